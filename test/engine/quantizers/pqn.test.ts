import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lsqGradScale } from '../../../src-main/engine/quantizers/fake-quant';
import { LsqQuantizer } from '../../../src-main/engine/quantizers/lsq';
import { drawNoise } from '../../../src-main/engine/quantizers/noise';
import { PqnQuantizer } from '../../../src-main/engine/quantizers/pqn';
import type { NoiseDistribution, QuantizerOptions } from '../../../src-main/engine/quantizers/quantizer';
import {
  bitsOf,
  evalContext,
  expectClose,
  gradsThrough,
  trainingContext,
  uniqueName,
  useCpuBackend,
  valuesOf,
} from './helpers';

beforeAll(useCpuBackend);

const options = (kind: 'pqn' | 'lsq'): QuantizerOptions => ({
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
const u = [0.1, -1.5, 2.7, 3.6, -5, 0.5];
const v = u.map((x) => x * s);
const clipped = u.map((x) => Math.min(Math.max(x, -qn), qp));
const inside = u.map((x) => x > -qn && x < qp);
const seed = 9;
const n = () => valuesOf(drawNoise([u.length], 'uniform', 0.5, seed));

describe('pqn training forward (method.md §4)', () => {
  it('is s·(ū + n) with n ~ U(-1/2, 1/2) on every element, clipped ones included', () => {
    const pqn = withStep(new PqnQuantizer(options('pqn')), s);
    const out = valuesOf(pqn.apply(tf.tensor1d(v), trainingContext({ nextSeed: () => seed })));
    const draws = n();
    expectClose(out, clipped.map((c, i) => s * (c + draws[i])), 1e-6);
  });

  it('ignores λ: the noise does not decay', () => {
    const pqn = withStep(new PqnQuantizer(options('pqn')), s);
    const x = tf.tensor1d(v);
    const at = (lambda: number) => bitsOf(pqn.apply(x, trainingContext({ lambda, nextSeed: () => seed })));
    expect(at(0)).toEqual(at(1));
  });

  it.each<NoiseDistribution>(['uniform', 'gaussian'])('has mean s·ū and variance s²/12 per element with %s n', (noise) => {
    const draws = 4000;
    const pqn = withStep(new PqnQuantizer(options('pqn')), s);
    const { mean, variance } = tf.tidy(() => {
      const out = pqn.apply(tf.tile(tf.tensor2d(v, [1, u.length]), [draws, 1]), trainingContext({ noise }));
      const moments = tf.moments(out, 0);
      return { mean: valuesOf(moments.mean), variance: valuesOf(moments.variance) };
    });
    const noiseVariance = (s * s) / 12;
    // var(n²) in units of Var(n)²: uniform 9/5 - 1 = 4/5, gaussian 2.
    const kurtosisTerm = noise === 'uniform' ? 4 / 5 : 2;
    const varianceError = noiseVariance * Math.sqrt(kurtosisTerm / draws);
    mean.forEach((m, i) => {
      expect(Math.abs(m - s * clipped[i])).toBeLessThanOrEqual(5 * Math.sqrt(noiseVariance / draws));
    });
    variance.forEach((sampleVar) => {
      expect(Math.abs(sampleVar - noiseVariance)).toBeLessThanOrEqual(5 * varianceError);
    });
  });

  it('honours quant.noise: gaussian n is N(0, 1/12) drawn from the same seed', () => {
    const pqn = withStep(new PqnQuantizer(options('pqn')), s);
    const ctx = trainingContext({ noise: 'gaussian', nextSeed: () => seed });
    const out = valuesOf(pqn.apply(tf.tensor1d(v), ctx));
    const gaussian = valuesOf(drawNoise([u.length], 'gaussian', 0.5, seed));
    expectClose(out, clipped.map((c, i) => s * (c + gaussian[i])), 1e-6);
  });

  it('rejects a noise law it does not know', () => {
    const pqn = withStep(new PqnQuantizer({ ...options('pqn'), name: 'fc/w' }), s);
    const ctx = trainingContext({ noise: 'laplace' as NoiseDistribution });
    expect(() => pqn.apply(tf.tensor1d(v), ctx)).toThrow("Error in pqn quantizer 'fc/w': ctx.noise must be 'uniform' or 'gaussian', got laplace");
  });
});

describe('pqn eval forward', () => {
  it('is hard LSQ bit for bit', () => {
    const pqn = withStep(new PqnQuantizer(options('pqn')), s);
    const lsq = withStep(new LsqQuantizer(options('lsq')), s);
    const x = tf.tensor1d(v);
    expect(bitsOf(pqn.apply(x, evalContext))).toEqual(bitsOf(lsq.apply(x, evalContext)));
  });
});

describe('pqn backward', () => {
  const dy = [1, -2, 0.5, 1.5, -1, 3];
  const g = lsqGradScale([u.length], qp, 'weight');
  const grads = () => {
    const pqn = withStep(new PqnQuantizer(options('pqn')), s);
    const ctx = trainingContext({ nextSeed: () => seed });
    return gradsThrough((t) => pqn.apply(t, ctx), tf.tensor1d(v), pqn.step, tf.tensor1d(dy));
  };

  it('passes the gradient w.r.t. v through the clip mask', () => {
    expect(grads().dv).toEqual(dy.map((d, i) => (inside[i] ? d : 0)));
  });

  it('gives s the gradient g·n inside and g·(-Qn + n) / g·(Qp + n) outside', () => {
    const draws = n();
    const perElement = u.map((_, i) => (inside[i] ? draws[i] : clipped[i] + draws[i]));
    const expected = g * perElement.reduce((acc, p, i) => acc + p * dy[i], 0);
    expect(grads().ds).toBeCloseTo(expected, 6);
  });

  it('matches finite differences of s·(clip(v/s) + n) in s', () => {
    const draws = n();
    const h = (step: number) =>
      v.reduce((acc, x, i) => acc + dy[i] * step * (Math.min(Math.max(x / step, -qn), qp) + draws[i]), 0);
    const eps = 1e-6;
    expect(grads().ds).toBeCloseTo((g * (h(s + eps) - h(s - eps))) / (2 * eps), 5);
  });
});
