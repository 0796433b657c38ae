import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lsqGradScale } from '../../../src-main/engine/quantizers/fake-quant';
import { LsqQuantizer } from '../../../src-main/engine/quantizers/lsq';
import { NtPqnQuantizer, drawN } from '../../../src-main/engine/quantizers/nt-pqn';
import type {
  NoiseDistribution,
  QuantizerOptions,
} from '../../../src-main/engine/quantizers/quantizer';
import {
  bitsOf,
  evalContext,
  expectClose,
  gradsThrough,
  roundHalfEven,
  trainingContext,
  uniqueName,
  useCpuBackend,
  valuesOf,
} from './helpers';

beforeAll(useCpuBackend);

const options = (kind: 'nt-pqn' | 'lsq'): QuantizerOptions => ({
  kind,
  bits: 3, // Qn = 4, Qp = 3
  signed: true,
  target: 'weight',
  name: uniqueName(kind),
});

function withStep<T extends LsqQuantizer>(q: T, s: number): T {
  tf.tidy(() => q.step.assign(tf.scalar(s)));
  q.initialized = true;
  return q;
}

const s = 0.25;
const qn = 4;
const qp = 3;
const u = [0.1, -1.5, 2.7, 3.6, -5, 0.4];
const v = u.map((x) => x * s);
const clipped = u.map((x) => Math.min(Math.max(x, -qn), qp));
const q = clipped.map(roundHalfEven);
const inside = u.map((x) => x > -qn && x < qp);
const seed = 21;

describe('nt-pqn training forward (method.md §3 variant)', () => {
  it('is LSQ bit for bit at λ = 0, in value and gradients', () => {
    const ntPqn = withStep(new NtPqnQuantizer(options('nt-pqn')), s);
    const lsq = withStep(new LsqQuantizer(options('lsq')), s);
    const x = tf.randomNormal([3, 8], 0, 1, 'float32', 5);
    const ctx = trainingContext({ lambda: 0 });
    expect(bitsOf(ntPqn.apply(x, ctx))).toEqual(bitsOf(lsq.apply(x, ctx)));
    const dy = tf.randomNormal([3, 8], 0, 1, 'float32', 6);
    expect(gradsThrough((t) => ntPqn.apply(t, ctx), x, ntPqn.step, dy)).toEqual(
      gradsThrough((t) => lsq.apply(t, ctx), x, lsq.step, dy),
    );
  });

  it.each([0.3, 1])('equals v + λ·s·n + (1-λ)·(s·q - v) at λ = %s', (lambda) => {
    const ntPqn = withStep(new NtPqnQuantizer(options('nt-pqn')), s);
    const out = valuesOf(ntPqn.apply(tf.tensor1d(v), trainingContext({ lambda, nextSeed: () => seed })));
    const n = valuesOf(drawN([u.length], 'uniform', seed));
    expectClose(out, v.map((x, i) => x + lambda * s * n[i] + (1 - lambda) * (s * q[i] - x)), 1e-6);
  });

  it.each<NoiseDistribution>(['uniform', 'gaussian'])(
    'has mean λ·v + (1-λ)·s·q and variance λ²s²/12 with %s n',
    (noise) => {
      const draws = 4000;
      const lambda = 0.6;
      const ntPqn = withStep(new NtPqnQuantizer(options('nt-pqn')), s);
      const { mean, variance } = tf.tidy(() => {
        const stacked = tf.tile(tf.tensor2d(v, [1, u.length]), [draws, 1]);
        const moments = tf.moments(ntPqn.apply(stacked, trainingContext({ lambda, noise })), 0);
        return { mean: valuesOf(moments.mean), variance: valuesOf(moments.variance) };
      });
      const noiseVariance = (lambda * lambda * s * s) / 12;
      // var(n²) in units of Var(n)²: uniform 9/5 - 1 = 4/5, gaussian 2.
      const kurtosisTerm = noise === 'uniform' ? 4 / 5 : 2;
      mean.forEach((m, i) => {
        const expected = lambda * v[i] + (1 - lambda) * s * q[i];
        expect(Math.abs(m - expected)).toBeLessThanOrEqual(5 * Math.sqrt(noiseVariance / draws) + 1e-6);
      });
      variance.forEach((sampleVar) => {
        const standardError = noiseVariance * Math.sqrt(kurtosisTerm / draws);
        expect(Math.abs(sampleVar - noiseVariance)).toBeLessThanOrEqual(5 * standardError);
      });
    },
  );

  it('rejects λ > 1, which would give LSQ a negative weight', () => {
    const ntPqn = withStep(new NtPqnQuantizer({ ...options('nt-pqn'), name: 'fc/a' }), s);
    expect(() => ntPqn.apply(tf.tensor1d(v), trainingContext({ lambda: 1.5 }))).toThrow(
      "Error in nt-pqn quantizer 'fc/a': ctx.lambda must be in [0, 1], got 1.5",
    );
  });
});

describe('nt-pqn eval forward', () => {
  it('is LSQ bit for bit', () => {
    const ntPqn = withStep(new NtPqnQuantizer(options('nt-pqn')), s);
    const lsq = withStep(new LsqQuantizer(options('lsq')), s);
    const x = tf.tensor1d(v);
    expect(bitsOf(ntPqn.apply(x, { ...evalContext, lambda: 1 }))).toEqual(
      bitsOf(lsq.apply(x, evalContext)),
    );
  });
});

describe('nt-pqn backward', () => {
  const dy = [1, -2, 0.5, 1.5, -1, 3];
  const g = lsqGradScale([u.length], qp, 'weight');
  const lambda = 0.3;
  const grads = () => {
    const ntPqn = withStep(new NtPqnQuantizer(options('nt-pqn')), s);
    const ctx = trainingContext({ lambda, nextSeed: () => seed });
    return gradsThrough((t) => ntPqn.apply(t, ctx), tf.tensor1d(v), ntPqn.step, tf.tensor1d(dy));
  };

  it('gives v the gradient λ + (1-λ)·mask', () => {
    expectClose(grads().dv, dy.map((d, i) => d * (lambda + (1 - lambda) * (inside[i] ? 1 : 0))), 1e-6);
  });

  it("gives s the gradient g·(λ·n + (1-λ)·LSQ's step gradient)", () => {
    const n = valuesOf(drawN([u.length], 'uniform', seed));
    const lsqPerElement = u.map((x, i) => (inside[i] ? q[i] - x : clipped[i]));
    const perElement = u.map((_, i) => lambda * n[i] + (1 - lambda) * lsqPerElement[i]);
    const expected = g * perElement.reduce((acc, p, i) => acc + p * dy[i], 0);
    expect(grads().ds).toBeCloseTo(expected, 6);
  });
});
