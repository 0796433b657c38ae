import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src-main/engine/backend';
import { Rng } from '../../../shared/rng';
import { hutchinsonTrace } from '../../../src-main/engine/sharpness/hutchinson';
import { centralDifferenceHvp, exactHvp, hessianVectorProduct, type HessianVectorProduct } from '../../../src-main/engine/sharpness/hvp';
import { crossEntropyObjective, type Objective } from '../../../src-main/engine/sharpness/objective';
import type { SubsetTensors } from '../../../src-main/engine/sharpness/subset';
import { rademacher } from '../../../src-main/engine/sharpness/vector';
import { ONEDNN_IF_BUILT } from '../../helpers/onednn';
import { flat, relativeError } from './quadratic';
import { tinyModel, tinySubset } from './tiny-models';

/** The full Hessian, one exact product per unit vector, as rows of float64. */
function fullHessian(hvp: HessianVectorProduct, objective: Objective): number[][] {
  const shapes = objective.params.map((p) => p.shape);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const n = sizes.reduce((a, b) => a + b, 0);
  const columns: number[][] = [];
  for (let j = 0; j < n; j++) {
    let offset = 0;
    const unit = shapes.map((shape, i) => {
      const values = new Float32Array(sizes[i]);
      if (j >= offset && j < offset + sizes[i]) values[j - offset] = 1;
      offset += sizes[i];
      return tf.tensor(values, shape);
    });
    const column = hvp(unit);
    columns.push(flat(column));
    tf.dispose([...unit, ...column]);
  }
  return columns;
}

/** Var(zᵀHz) for Rademacher z is 2·Σ_{i≠j} H_ij²: the standard error Hutchinson should report. */
function hutchinsonStderr(h: number[][], samples: number): number {
  let off = 0;
  h.forEach((row, i) => row.forEach((x, j) => (off += i === j ? 0 : x * x)));
  return Math.sqrt((2 * off) / samples);
}

const BACKENDS = ['cpu', 'wasm'];
const hessians = new Map<string, number[][]>();

describe.each(BACKENDS)('exact Hessian-vector products on %s', (backend) => {
  let subset: SubsetTensors;
  const models: { store: { dispose(): void } }[] = [];

  afterAll(() => {
    subset.dispose();
    models.forEach((m) => m.store.dispose());
  });

  it.each(['mlp', 'cnn'] as const)('give a symmetric full Hessian of the tiny %s, and Hutchinson matches its trace within two reported standard errors', async (kind) => {
    await selectBackend(backend as 'cpu');
    subset ??= await tinySubset();
    const model = tinyModel(kind);
    models.push(model);
    const objective = crossEntropyObjective(model, subset);
    const hvp = exactHvp(objective);
    const h = fullHessian(hvp, objective);
    const scale = Math.max(...h.flat().map(Math.abs));
    const asymmetry = Math.max(...h.flatMap((row, i) => row.map((x, j) => Math.abs(x - h[j][i]))));
    expect(asymmetry).toBeLessThan(1e-4 * scale);
    const trace = h.reduce((s, row, i) => s + row[i], 0);
    expect(trace).toBeGreaterThan(0);

    const probes = 200;
    const shapes = objective.params.map((p) => p.shape);
    const estimate = await hutchinsonTrace(hvp, shapes, new Rng(7), { maxIterations: probes, minIterations: probes, relativeStderr: 0 });
    expect(estimate.iterations).toBe(probes);
    expect(Math.abs(estimate.value - trace)).toBeLessThan(2 * estimate.stderr);
    const expected = hutchinsonStderr(h, probes);
    expect(estimate.stderr).toBeGreaterThan(0.7 * expected);
    expect(estimate.stderr).toBeLessThan(1.3 * expected);

    // The same weights on every backend: the same Hessian up to float32 rounding.
    if (!hessians.has(kind)) hessians.set(kind, h);
    expect(relativeError(h.flat(), hessians.get(kind)!.flat())).toBeLessThan(1e-4);
  });

  it('matches central differences to 1e-3 on a smooth (softplus) CNN', async () => {
    await selectBackend(backend as 'cpu');
    subset ??= await tinySubset();
    const model = tinyModel('cnn', 'softplus', 1);
    models.push(model);
    const objective = crossEntropyObjective(model, subset);
    const exact = exactHvp(objective);
    const differences = centralDifferenceHvp(objective, 1e-3);
    for (const seed of [1, 2]) {
      const v = rademacher(objective.params.map((p) => p.shape), new Rng(seed));
      const [a, b] = [exact(v), differences(v)];
      expect(relativeError(flat(b), flat(a))).toBeLessThan(1e-3);
      tf.dispose([...v, ...a, ...b]);
    }
    differences.dispose();
  });

  it('leaks no tensor and leaves the parameters unchanged', async () => {
    await selectBackend(backend as 'cpu');
    subset ??= await tinySubset();
    const model = tinyModel('cnn');
    models.push(model);
    const objective = crossEntropyObjective(model, subset);
    const before = flat(objective.params);
    const hvp = exactHvp(objective);
    const v = rademacher(objective.params.map((p) => p.shape), new Rng(3));
    tf.dispose(hvp(v));
    const tensors = tf.memory().numTensors;
    tf.dispose(hvp(v));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(flat(objective.params)).toEqual(before);
    tf.dispose(v);
  });
});

describe.each(ONEDNN_IF_BUILT)('exact Hessian-vector products on %s', (backend) => {
  it("equal the cpu's full Hessian times v for the tiny mlp and cnn", async () => {
    await selectBackend(backend as 'onednn');
    const subset = await tinySubset();
    for (const kind of ['mlp', 'cnn'] as const) {
      const model = tinyModel(kind);
      const objective = crossEntropyObjective(model, subset);
      const hvp = exactHvp(objective);
      const h = hessians.get(kind)!;
      for (const seed of [1, 2]) {
        const v = rademacher(objective.params.map((p) => p.shape), new Rng(seed));
        const hv = hvp(v);
        const expected = h.map((row) => row.reduce((s, x, j) => s + x * flat(v)[j], 0));
        expect(relativeError(flat(hv), expected)).toBeLessThan(1e-4);
        tf.dispose([...v, ...hv]);
      }
      model.store.dispose();
    }
    subset.dispose();
  });
});

describe('hessianVectorProduct', () => {
  it('is exact where the objective can be differentiated twice, central differences only when asked', async () => {
    await selectBackend('cpu');
    const subset = await tinySubset();
    const model = tinyModel('cnn');
    const objective = crossEntropyObjective(model, subset);
    expect(hessianVectorProduct(objective, 'exact', 1e-3)).toEqual({ hvp: expect.objectContaining({ method: 'exact' }) });
    const forced = hessianVectorProduct(objective, 'central-difference', 1e-3);
    expect(forced.hvp.method).toBe('central-difference');
    expect(forced.fallback).toBeUndefined();
    forced.hvp.dispose();
    subset.dispose();
    model.store.dispose();
  });

  it('falls back to central differences, saying why, where a kernel has no second derivative (max pooling), and leaks nothing', async () => {
    await selectBackend('cpu');
    const w = tf.variable(tf.tensor4d([0.3, -1, 2, 0.5, 1.5, -0.2, 0.1, 0.7, -0.4, 0.9, 1.1, -2, 0.6, 0.2, -0.8, 1.3], [1, 4, 4, 1]));
    const objective: Objective = { params: [w], terms: 1, term: () => tf.sum(tf.square(tf.maxPool(w, 2, 2, 'valid'))) as tf.Scalar };
    const tensors = tf.memory().numTensors;
    const { hvp, fallback } = hessianVectorProduct(objective, 'exact', 1e-3);
    expect(hvp.method).toBe('central-difference');
    expect(fallback).toMatch(/^cpu: .*MaxPoolGrad/);
    hvp.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    // H = 2 on the four window maxima (1.5, 2, 0.9, 1.3), 0 elsewhere.
    const v = [tf.onesLike(w)];
    const { hvp: again } = hessianVectorProduct(objective, 'exact', 1e-3);
    const hv = again(v);
    expect(Array.from(hv[0].dataSync()).map((x) => Math.round(x * 100) / 100 + 0)).toEqual([0, 0, 2, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 2]);
    tf.dispose([...v, ...hv, w]);
    again.dispose();
  });
});
