import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fakeQuant,
  lsqGradScale,
  lsqLevels,
  scaleGrad,
} from '../../../src-main/engine/quantizers/fake-quant';
import { expectClose, roundHalfEven, useCpuBackend, valuesOf } from './helpers';

beforeAll(useCpuBackend);

/** Gradients of sum(dy · fakeQuant(v, s)) w.r.t. v and s. */
function fakeQuantGrads(
  v: number[],
  s: number,
  qn: number,
  qp: number,
  g: number,
  dy: number[],
): { dv: number[]; ds: number } {
  return tf.tidy(() => {
    const f = (x: tf.Tensor, step: tf.Tensor) =>
      tf.sum(tf.mul(fakeQuant(x, step, { qn, qp }, g), tf.tensor1d(dy)));
    const [dv, ds] = tf.grads(f)([tf.tensor1d(v), tf.scalar(s)]);
    return { dv: valuesOf(dv), ds: ds.dataSync()[0] };
  });
}

const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

describe('lsqLevels', () => {
  it('gives signed Qn = 2^(b-1), Qp = 2^(b-1)-1 and unsigned Qn = 0, Qp = 2^b-1', () => {
    expect(lsqLevels(2, true)).toEqual({ qn: 2, qp: 1 });
    expect(lsqLevels(4, true)).toEqual({ qn: 8, qp: 7 });
    expect(lsqLevels(8, true)).toEqual({ qn: 128, qp: 127 });
    expect(lsqLevels(2, false)).toEqual({ qn: 0, qp: 3 });
    expect(lsqLevels(8, false)).toEqual({ qn: 0, qp: 255 });
  });

  it('rejects a non-integer bit-width', () => {
    expect(() => lsqLevels(3.5, true)).toThrow('Error in lsqLevels: bits must be an integer');
  });
});

describe('lsqGradScale', () => {
  it('uses the tensor size for weights and the elements per sample for activations', () => {
    expect(lsqGradScale([3, 3, 16, 32], 7, 'weight')).toBeCloseTo(1 / Math.sqrt(4608 * 7), 12);
    expect(lsqGradScale([64, 8, 8, 16], 15, 'activation')).toBeCloseTo(
      1 / Math.sqrt(1024 * 15),
      12,
    );
  });

  it('rejects a scalar activation', () => {
    expect(() => lsqGradScale([], 3, 'activation')).toThrow('needs a batch axis');
  });
});

describe('fakeQuant forward (method.md §2)', () => {
  it('rounds half to even and clips both sides, signed 3-bit', () => {
    // s = 0.5, Qn = 4, Qp = 3: u = [-6, -4.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.2, 4]
    const v = tf.tensor1d([-3, -2.25, -0.75, -0.25, 0.25, 0.75, 1.25, 1.6, 2.0]);
    const out = fakeQuant(v, tf.scalar(0.5), lsqLevels(3, true), 1);
    // q = [-4, -4, -2, 0, 0, 2, 2, 3, 3]
    expect(valuesOf(out)).toEqual([-2, -2, -1, 0, 0, 1, 1, 1.5, 1.5]);
  });

  it('clips negatives to zero and rounds ties to even, unsigned 2-bit', () => {
    // s = 0.25, Qn = 0, Qp = 3: u = [-2, 0, 0.5, 1.5, 2, 2.5, 3.2, 8]
    const v = tf.tensor1d([-0.5, 0, 0.125, 0.375, 0.5, 0.625, 0.8, 2]);
    const out = fakeQuant(v, tf.scalar(0.25), lsqLevels(2, false), 1);
    // q = [0, 0, 0, 2, 2, 2, 3, 3]
    expect(valuesOf(out)).toEqual([0, 0, 0, 0.5, 0.5, 0.5, 0.75, 0.75]);
  });

  it('keeps the input shape', () => {
    const out = fakeQuant(tf.ones([2, 3, 4]), tf.scalar(0.3), lsqLevels(4, true), 1);
    expect(out.shape).toEqual([2, 3, 4]);
  });
});

describe('fakeQuant backward (method.md §2)', () => {
  // s = 0.5, signed 3-bit (Qn = 4, Qp = 3); u = v/s below, with both boundaries u = -4 and u = 3.
  const s = 0.5;
  const { qn, qp } = lsqLevels(3, true);
  const u = [-6, -4, -3.9, -1.5, -0.5, 0.3, 2.5, 2.9, 3, 3.2];
  const v = u.map((x) => x * s);
  const dy = [0.5, -1, 2, 0.25, 1.5, -0.75, 1, 3, -2, 0.125];
  const g = 0.1;

  it('passes the gradient w.r.t. v only where -Qn < u < Qp (STE mask)', () => {
    const { dv } = fakeQuantGrads(v, s, qn, qp, g, dy);
    const mask = [0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
    expect(dv).toEqual(dy.map((d, i) => d * mask[i] + 0));
  });

  it('gives s the gradient g·(q - u) inside, g·(-Qn) below and g·Qp above', () => {
    const { ds } = fakeQuantGrads(v, s, qn, qp, g, dy);
    const perElement = u.map((x) => {
      if (x <= -qn) return -qn;
      if (x >= qp) return qp;
      return roundHalfEven(x) - x;
    });
    const expected = g * perElement.reduce((acc, p, i) => acc + p * dy[i], 0);
    expect(ds).toBeCloseTo(expected, 5);
  });

  it('matches finite differences of the stop-gradient form s·clip(v/s) + s·sg(q - ū)', () => {
    // LSQ's s-gradient is a pseudo-gradient: it is the exact derivative of
    //   h(v, s) = s·clip(v/s, -Qn, Qp) + s·E,   E = q - ū frozen at the current point,
    // whose value equals the quantizer's. Check both partials of h by central differences.
    // Central differences straddle the kinks at u = -Qn and u = Qp, so weight those elements 0.
    const dyAway = dy.map((d, i) => (u[i] === -qn || u[i] === qp ? 0 : d));
    const frozenError = u.map((x) => {
      const c = clip(x, -qn, qp);
      return roundHalfEven(c) - c;
    });
    const h = (vs: number[], step: number) =>
      vs.reduce(
        (acc, x, i) => acc + dyAway[i] * (step * clip(x / step, -qn, qp) + step * frozenError[i]),
        0,
      );
    const eps = 1e-6;
    const fdS = (h(v, s + eps) - h(v, s - eps)) / (2 * eps);
    const fdV = v.map((_, i) => {
      const plus = v.map((x, j) => (j === i ? x + eps : x));
      const minus = v.map((x, j) => (j === i ? x - eps : x));
      return (h(plus, s) - h(minus, s)) / (2 * eps);
    });
    const { dv, ds } = fakeQuantGrads(v, s, qn, qp, g, dyAway);
    expect(ds).toBeCloseTo(g * fdS, 5);
    expectClose(dv, fdV, 1e-4);
  });
});

describe('fakeQuant with noise', () => {
  it("adds λ·|e|·ξ in bins for 'tempered' noise and none to clipped elements", () => {
    const s = 0.5;
    const u = [0.3, -1.4, 2.5, 9, -9];
    const xi = [0.5, -1, 0.25, 1, -1];
    const out = fakeQuant(tf.tensor1d(u.map((x) => x * s)), tf.scalar(s), lsqLevels(4, true), 1, {
      kind: 'tempered',
      lambda: 0.8,
      xi: tf.tensor1d(xi),
    });
    // q = [0, -1, 2, 7, -8], |e| = [0.3, 0.4, 0.5, 0, 0]
    const expected = [0 + 0.8 * 0.3 * 0.5, -1 - 0.8 * 0.4, 2 + 0.8 * 0.5 * 0.25, 7, -8].map(
      (y) => y * s,
    );
    expectClose(valuesOf(out), expected, 1e-6);
  });

  it("uses ū + n without rounding for 'pseudo' noise", () => {
    const s = 0.5;
    const u = [0.3, -1.4, 9, -9];
    const n = [0.5, -0.25, 0.1, -0.4];
    const out = fakeQuant(tf.tensor1d(u.map((x) => x * s)), tf.scalar(s), lsqLevels(4, true), 1, {
      kind: 'pseudo',
      n: tf.tensor1d(n),
    });
    expectClose(valuesOf(out), [0.8, -1.65, 7.1, -8.4].map((y) => y * s), 1e-6);
  });

  it('rejects noise of another shape and a negative λ', () => {
    const v = tf.zeros([4]);
    const noise = { kind: 'tempered' as const, lambda: 1, xi: tf.zeros([3]) };
    expect(() => fakeQuant(v, tf.scalar(1), lsqLevels(4, true), 1, noise)).toThrow(
      'Error in fakeQuant: noise shape [3] must match v shape [4]',
    );
    const negative = { kind: 'tempered' as const, lambda: -1, xi: tf.zeros([4]) };
    expect(() => fakeQuant(v, tf.scalar(1), lsqLevels(4, true), 1, negative)).toThrow('λ');
  });
});

describe('fakeQuant argument checks', () => {
  it('rejects a non-scalar step, a non-float input and a non-positive gradient scale', () => {
    const levels = lsqLevels(4, true);
    expect(() => fakeQuant(tf.zeros([2]), tf.ones([1]), levels, 1)).toThrow(
      'step size s must be a scalar, got shape [1]',
    );
    expect(() => fakeQuant(tf.zeros([2], 'int32'), tf.scalar(1), levels, 1)).toThrow(
      'v must be float32, got int32',
    );
    expect(() => fakeQuant(tf.zeros([2]), tf.scalar(1), levels, 0)).toThrow('g must be positive');
  });
});

describe('scaleGrad', () => {
  it('is the identity forward and multiplies the gradient by the scale', () => {
    const x = tf.scalar(1.5);
    const [grad] = tf.grads((t: tf.Tensor) => tf.mul(scaleGrad(t, 0.25), 4))([x]);
    expect(scaleGrad(x, 0.25).dataSync()[0]).toBe(1.5);
    expect(grad.dataSync()[0]).toBeCloseTo(1, 6);
  });
});
