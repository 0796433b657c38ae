import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lsqGradScale } from '../../../src-main/engine/quantizers/fake-quant';
import { LsqQuantizer } from '../../../src-main/engine/quantizers/lsq';
import { NtQuantizer, drawXi } from '../../../src-main/engine/quantizers/nt';
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

const options = (kind: 'nt' | 'lsq'): QuantizerOptions => ({
  kind,
  bits: 4, // Qn = 8, Qp = 7
  signed: true,
  target: 'weight',
  name: uniqueName(kind),
});

function withStep<T extends LsqQuantizer>(q: T, s: number): T {
  tf.tidy(() => q.step.assign(tf.scalar(s)));
  q.initialized = true;
  return q;
}

const s = 0.5;
const { qn, qp } = { qn: 8, qp: 7 };
// u = v/s: rounding errors of every size, ties, and clipped elements on both sides.
const u = [0.1, 0.25, 0.4, -0.3, 1.7, 2.45, -3.2, 0.5, 6.9, 9, -9];
const v = u.map((x) => x * s);
const clipped = u.map((x) => Math.min(Math.max(x, -qn), qp));
const q = clipped.map(roundHalfEven);
const e = q.map((x, i) => x - clipped[i]);
const inside = u.map((x) => x > -qn && x < qp);

describe('nt at λ = 0', () => {
  it('is LSQ bit for bit in training', () => {
    const nt = withStep(new NtQuantizer(options('nt')), s);
    const lsq = withStep(new LsqQuantizer(options('lsq')), s);
    const x = tf.randomNormal([4, 16], 0, 2, 'float32', 11);
    let draws = 0;
    const ctx = trainingContext({ lambda: 0, nextSeed: () => ++draws });
    expect(bitsOf(nt.apply(x, ctx))).toEqual(bitsOf(lsq.apply(x, ctx)));
    expect(draws).toBe(0);
    const dy = tf.randomNormal([4, 16], 0, 1, 'float32', 12);
    const ntGrads = gradsThrough((t) => nt.apply(t, ctx), x, nt.step, dy);
    const lsqGrads = gradsThrough((t) => lsq.apply(t, ctx), x, lsq.step, dy);
    expect(ntGrads).toEqual(lsqGrads);
  });
});

describe('nt eval forward', () => {
  it('is LSQ bit for bit whatever λ', () => {
    const nt = withStep(new NtQuantizer(options('nt')), s);
    const lsq = withStep(new LsqQuantizer(options('lsq')), s);
    const x = tf.tensor1d(v);
    expect(bitsOf(nt.apply(x, { ...evalContext, lambda: 1 }))).toEqual(
      bitsOf(lsq.apply(x, evalContext)),
    );
  });
});

describe('nt training forward (method.md §3)', () => {
  it('equals s·(q + λ·|e|·ξ) with ξ reproduced from the same seed', () => {
    const nt = withStep(new NtQuantizer(options('nt')), s);
    const lambda = 0.7;
    const out = valuesOf(nt.apply(tf.tensor1d(v), trainingContext({ lambda, nextSeed: () => 42 })));
    const xi = valuesOf(drawXi([u.length], 'uniform', 42));
    expectClose(out, q.map((qi, i) => s * (qi + lambda * Math.abs(e[i]) * xi[i])), 1e-6);
  });

  it('draws fresh noise on every forward pass', () => {
    const nt = withStep(new NtQuantizer(options('nt')), s);
    const ctx = trainingContext({ lambda: 1 });
    const first = valuesOf(nt.apply(tf.tensor1d(v), ctx));
    const second = valuesOf(nt.apply(tf.tensor1d(v), ctx));
    expect(first).not.toEqual(second);
  });
});

describe.each<NoiseDistribution>(['uniform', 'gaussian'])('nt noise statistics, %s ξ', (noise) => {
  // One forward on K stacked copies of v gives K independent draws per element.
  const draws = 4000;
  const lambda = 0.8;
  const nt = () => withStep(new NtQuantizer(options('nt')), s);
  const stacked = () => tf.tile(tf.tensor2d(v, [1, u.length]), [draws, 1]);
  const sampleMoments = () =>
    tf.tidy(() => {
      const out = nt().apply(stacked(), trainingContext({ lambda, noise }));
      const { mean, variance } = tf.moments(out, 0);
      return { out: out.arraySync() as number[][], mean: valuesOf(mean), variance: valuesOf(variance) };
    });
  const expectedVariance = e.map((ei) => (lambda * lambda * s * s * ei * ei) / 3);
  // var(ξ²) for the standard error of a sample variance: U(-1,1) 1/5 - 1/9; N(0,1/√3) 2/9.
  const fourthMoment = noise === 'uniform' ? 1 / 5 - 1 / 9 : 2 / 9;

  it('has a mean equal to the eval output within 5 standard errors', () => {
    const { mean } = sampleMoments();
    const evalOut = q.map((qi) => qi * s);
    mean.forEach((m, i) => {
      const standardError = Math.sqrt(expectedVariance[i] / draws);
      expect(Math.abs(m - evalOut[i])).toBeLessThanOrEqual(5 * standardError + 1e-6);
    });
  });

  it('has per-element variance λ²s²e²/3 within 5 standard errors', () => {
    const { variance } = sampleMoments();
    variance.forEach((sampleVar, i) => {
      const scale = (lambda * lambda * s * s * e[i] * e[i]) / 3;
      const standardError = ((scale * 3) * Math.sqrt(fourthMoment / draws));
      expect(Math.abs(sampleVar - expectedVariance[i])).toBeLessThanOrEqual(
        5 * standardError + 1e-9,
      );
    });
  });

  it('puts no noise on clipped elements', () => {
    const { out } = sampleMoments();
    const clippedColumns = u.flatMap((_, i) => (inside[i] ? [] : [i]));
    expect(clippedColumns.length).toBe(2);
    for (const row of out) {
      for (const i of clippedColumns) expect(row[i]).toBe(q[i] * s);
    }
  });
});

describe('nt backward (method.md §3)', () => {
  const dy = u.map((_, i) => ((i * 7) % 5) - 2 + 0.5);
  const g = lsqGradScale([u.length], qp, 'weight');

  describe.each<NoiseDistribution>(['uniform', 'gaussian'])('with %s ξ', (noise) => {
    const lambda = 0.6;
    const seed = 77;
    const xi = () => valuesOf(drawXi([u.length], noise, seed));
    const grads = () => {
      const nt = withStep(new NtQuantizer(options('nt')), s);
      const ctx = trainingContext({ lambda, noise, nextSeed: () => seed });
      return gradsThrough((t) => nt.apply(t, ctx), tf.tensor1d(v), nt.step, tf.tensor1d(dy));
    };

    it('passes the gradient w.r.t. v through the STE mask', () => {
      expect(grads().dv).toEqual(dy.map((d, i) => (inside[i] ? d : 0)));
    });

    it('gives s the gradient g·(q - u + λ|e|ξ) inside and g·(-Qn) / g·Qp outside', () => {
      const noiseDraws = xi();
      const perElement = u.map((x, i) => {
        if (x <= -qn) return -qn;
        if (x >= qp) return qp;
        return q[i] - x + lambda * Math.abs(e[i]) * noiseDraws[i];
      });
      const expected = g * perElement.reduce((acc, p, i) => acc + p * dy[i], 0);
      expect(grads().ds).toBeCloseTo(expected, 5);
    });

    it('matches finite differences of s·clip(v/s) + s·sg(q - ū + λ|e|ξ) in s', () => {
      const noiseDraws = xi();
      const frozen = e.map((ei, i) => ei + lambda * Math.abs(ei) * noiseDraws[i]);
      const h = (step: number) =>
        v.reduce((acc, x, i) => {
          const c = Math.min(Math.max(x / step, -qn), qp);
          return acc + dy[i] * (step * c + step * frozen[i]);
        }, 0);
      const eps = 1e-6;
      expect(grads().ds).toBeCloseTo((g * (h(s + eps) - h(s - eps))) / (2 * eps), 5);
    });
  });
});

describe('nt argument checks', () => {
  it('rejects a negative or non-finite λ and an unknown noise distribution', () => {
    const nt = withStep(new NtQuantizer({ ...options('nt'), name: 'conv2/a' }), s);
    const x = tf.tensor1d(v);
    expect(() => nt.apply(x, trainingContext({ lambda: -0.1 }))).toThrow(
      "Error in nt quantizer 'conv2/a': ctx.lambda must be a finite number ≥ 0, got -0.1",
    );
    expect(() => nt.apply(x, trainingContext({ lambda: NaN }))).toThrow('got NaN');
    expect(() =>
      nt.apply(x, trainingContext({ lambda: 1, noise: 'laplace' as NoiseDistribution })),
    ).toThrow("ctx.noise must be 'uniform' or 'gaussian', got laplace");
  });

  it('rejects bits outside 2..8 naming the nt quantizer', () => {
    expect(() => new NtQuantizer({ ...options('nt'), bits: 9, name: 'conv1/w' })).toThrow(
      "Error in nt quantizer 'conv1/w': bits must be an integer in 2..8, got 9",
    );
  });
});
