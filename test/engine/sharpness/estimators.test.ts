import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src-main/engine/backend';
import { Rng } from '../../../shared/rng';
import { hutchinsonTrace } from '../../../src-main/engine/sharpness/hutchinson';
import { centralDifferenceHvp } from '../../../src-main/engine/sharpness/hvp';
import { topEigenvalue } from '../../../src-main/engine/sharpness/power-iteration';
import { quadraticObjective, symmetricWithEigenvalues } from './quadratic';

const EIGENVALUES = [12, 7, 5, 4, 3, 2.5, 2, 1.5, 1, 0.5, -0.5, -1, 0.25, 0.1, 3.5, 6];
const TRACE = EIGENVALUES.reduce((a, b) => a + b, 0);
const SHAPES = [[4, 2], [8]];

/** A quadratic objective with Hessian Q·diag(eigenvalues)·Qᵀ and its central-difference Hessian-vector product. */
function quadraticHvp(eigenvalues: number[], rotate = true) {
  const a = rotate ? symmetricWithEigenvalues(eigenvalues, 5) : eigenvalues.map((e, i) => eigenvalues.map((_, j) => (i === j ? e : 0)));
  const objective = quadraticObjective(a, SHAPES);
  const hvp = centralDifferenceHvp(objective, 1e-3);
  return { hvp, dispose: () => (hvp.dispose(), objective.dispose()) };
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('hutchinsonTrace', () => {
  it('is within 3 standard errors of the exact trace after 200 samples, and the error is small', async () => {
    const { hvp, dispose } = quadraticHvp(EIGENVALUES);
    const estimate = await hutchinsonTrace(hvp, SHAPES, new Rng(11), { maxIterations: 200, minIterations: 10, relativeStderr: 0 });
    expect(estimate.iterations).toBe(200);
    expect(Math.abs(estimate.value - TRACE)).toBeLessThan(3 * estimate.stderr);
    expect(estimate.stderr).toBeGreaterThan(0);
    expect(estimate.stderr).toBeLessThan(0.1 * TRACE);
    dispose();
  });

  it('is exact with zero spread on a diagonal Hessian (zᵀDz = tr D for ±1 entries), and stops at minIterations', async () => {
    const { hvp, dispose } = quadraticHvp(EIGENVALUES, false);
    const estimate = await hutchinsonTrace(hvp, SHAPES, new Rng(2), { maxIterations: 100, minIterations: 7, relativeStderr: 0.02 });
    expect(estimate.value).toBeCloseTo(TRACE, 2);
    expect(estimate.stderr).toBeLessThan(1e-3);
    expect(estimate.iterations).toBe(7);
    dispose();
  });

  it('gives the same estimate for the same seed and another for another seed', async () => {
    const { hvp, dispose } = quadraticHvp(EIGENVALUES);
    const options = { maxIterations: 5, minIterations: 5, relativeStderr: 0 };
    const run = (seed: number) => hutchinsonTrace(hvp, SHAPES, new Rng(seed), options);
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(a).toEqual(b);
    expect(c.value).not.toBe(a.value);
    dispose();
  });
});

describe('topEigenvalue', () => {
  it('finds the largest eigenvalue within the tolerance and reports convergence', async () => {
    const { hvp, dispose } = quadraticHvp(EIGENVALUES);
    const estimate = await topEigenvalue(hvp, SHAPES, new Rng(3), { maxIterations: 200, tolerance: 1e-6 });
    expect(estimate.converged).toBe(true);
    expect(estimate.iterations).toBeLessThan(200);
    expect(Math.abs(estimate.value - 12) / 12).toBeLessThan(1e-3);
    dispose();
  });

  it('finds the eigenvalue largest in magnitude with its sign', async () => {
    const { hvp, dispose } = quadraticHvp([1, 2, -9, 3, 0.5, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const estimate = await topEigenvalue(hvp, SHAPES, new Rng(3), { maxIterations: 300, tolerance: 1e-7 });
    expect(estimate.value).toBeCloseTo(-9, 2);
    dispose();
  });

  it('says it did not converge when maxIterations runs out first', async () => {
    const { hvp, dispose } = quadraticHvp(EIGENVALUES);
    const estimate = await topEigenvalue(hvp, SHAPES, new Rng(3), { maxIterations: 2, tolerance: 1e-6 });
    expect(estimate).toMatchObject({ iterations: 2, converged: false });
    dispose();
  });

  it('leaks no tensor', async () => {
    const { hvp, dispose } = quadraticHvp(EIGENVALUES);
    const before = tf.memory().numTensors;
    await topEigenvalue(hvp, SHAPES, new Rng(3), { maxIterations: 5, tolerance: 0 });
    await hutchinsonTrace(hvp, SHAPES, new Rng(3), { maxIterations: 5, minIterations: 1, relativeStderr: 0 });
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });
});
