import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LsqQuantizer, MIN_INIT_STEP } from '../../../src-main/engine/quantizers/lsq';
import type { QuantizerOptions } from '../../../src-main/engine/quantizers/quantizer';
import {
  bitsOf,
  evalContext,
  gradsThrough,
  trainingContext,
  uniqueName,
  useCpuBackend,
  valuesOf,
} from './helpers';

beforeAll(useCpuBackend);

function lsq(overrides: Partial<QuantizerOptions> = {}): LsqQuantizer {
  return new LsqQuantizer({
    kind: 'lsq',
    bits: 4,
    signed: true,
    target: 'weight',
    name: uniqueName('lsq'),
    ...overrides,
  });
}

describe('LsqQuantizer construction', () => {
  it('creates a trainable scalar step variable named by options.name', async () => {
    const name = uniqueName('conv1/w/step');
    const q = lsq({ name });
    expect(q.name).toBe(name);
    expect(q.step.trainable).toBe(true);
    expect(q.step.shape).toEqual([]);
    expect(q.initialized).toBe(false);
    expect(await q.readStats()).toBeNull();
  });

  it('rejects bit-widths outside 2..8 with a message naming the quantizer', () => {
    expect(() => lsq({ bits: 9, name: 'conv1/w' })).toThrow(
      "Error in lsq quantizer 'conv1/w': bits must be an integer in 2..8, got 9",
    );
    expect(() => lsq({ bits: 1 })).toThrow('bits must be an integer in 2..8, got 1');
    expect(() => lsq({ bits: 2.5 })).toThrow('got 2.5');
  });

  it('rejects an empty name and an unknown target', () => {
    expect(() => lsq({ name: '' })).toThrow('name must be a non-empty string');
    expect(() => lsq({ target: 'bias' as 'weight' })).toThrow(
      "target must be 'weight' or 'activation', got bias",
    );
  });
});

describe('LsqQuantizer.initFrom (method.md §2)', () => {
  it('sets s0 = 2·mean(|v|)/sqrt(Qp)', () => {
    const q = lsq({ bits: 4 }); // Qp = 7
    q.initFrom(tf.tensor1d([0.5, -1, 0.25, -0.25]));
    expect(q.step.dataSync()[0]).toBeCloseTo((2 * 0.5) / Math.sqrt(7), 6);
    expect(q.initialized).toBe(true);
  });

  it('computes s0 in float64 and rounds it to float32 once where the backend reads synchronously', () => {
    const q = lsq({ bits: 4 }); // Qp = 7
    // mean |v| = 1: float32 arithmetic, 2 / fround(sqrt(7)), would give 0.7559289932250977.
    q.initFrom(tf.tensor1d([1, -1]));
    expect(q.step.dataSync()[0]).toBe(Math.fround(2 / Math.sqrt(7)));
  });

  it('uses the unsigned Qp = 2^b - 1 for activations', () => {
    const q = lsq({ bits: 2, signed: false, target: 'activation' }); // Qp = 3
    q.initFrom(tf.tensor2d([[0, 1], [2, 3]]));
    expect(q.step.dataSync()[0]).toBeCloseTo((2 * 1.5) / Math.sqrt(3), 6);
  });

  it('floors s0 at a small positive value for an all-zero tensor', () => {
    const q = lsq();
    q.initFrom(tf.zeros([3, 3]));
    expect(q.step.dataSync()[0]).toBeCloseTo(MIN_INIT_STEP, 12);
  });

  it('rejects non-finite values and integer tensors', () => {
    expect(() => lsq({ name: 'fc/w' }).initFrom(tf.tensor1d([1, NaN]))).toThrow(
      "Error in lsq quantizer 'fc/w': initFrom got non-finite values",
    );
    expect(() => lsq().initFrom(tf.tensor1d([1, 2], 'int32'))).toThrow(
      'initFrom expects float32, got int32',
    );
  });
});

describe('LsqQuantizer.apply', () => {
  it('initializes an activation quantizer from its first batch only', () => {
    const q = lsq({ signed: false, target: 'activation' }); // Qp = 15
    tf.tidy(() => q.apply(tf.fill([2, 3], 0.6), trainingContext()));
    const s0 = q.step.dataSync()[0];
    expect(q.initialized).toBe(true);
    expect(s0).toBeCloseTo((2 * 0.6) / Math.sqrt(15), 6);
    tf.tidy(() => q.apply(tf.fill([2, 3], 5), trainingContext()));
    expect(q.step.dataSync()[0]).toBe(s0);
  });

  it('uses the same hard quantizer in training and eval, bit for bit', () => {
    const q = lsq();
    const v = tf.randomNormal([5, 7], 0, 1, 'float32', 3);
    q.initFrom(v);
    expect(bitsOf(q.apply(v, trainingContext({ lambda: 1 })))).toEqual(
      bitsOf(q.apply(v, evalContext)),
    );
  });

  it('quantizes to multiples of s inside [-Qn·s, Qp·s]', () => {
    const q = lsq({ bits: 3 }); // Qn = 4, Qp = 3
    tf.tidy(() => q.step.assign(tf.scalar(0.5)));
    q.initialized = true;
    expect(valuesOf(q.apply(tf.tensor1d([-5, -0.74, 0.26, 1.25, 9]), evalContext))).toEqual([
      -2, -0.5, 0.5, 1, 1.5,
    ]);
  });

  it('rejects a scalar activation', () => {
    const q = lsq({ target: 'activation' });
    expect(() => q.apply(tf.scalar(1), trainingContext())).toThrow('expects an activation with a batch axis');
  });
});

describe('gradient scale g = 1/sqrt(N·Qp) (method.md §2)', () => {
  // u = [0.3, -1.4, 2.2, 20] in bins with s = 0.5; the step gradient before scaling:
  const u = [0.3, -1.4, 2.2, 20, -0.6, 1.1];
  const unscaled = [0 - 0.3, -1 + 1.4, 2 - 2.2, 7, -1 + 0.6, 1 - 1.1].reduce((a, b) => a + b);

  function stepGrad(target: 'weight' | 'activation'): number {
    const q = lsq({ bits: 4, target }); // Qp = 7
    tf.tidy(() => q.step.assign(tf.scalar(0.5)));
    q.initialized = true;
    const v = tf.tensor2d(u.map((x) => x * 0.5), [2, 3]);
    return gradsThrough((x) => q.apply(x, trainingContext()), v, q.step, tf.onesLike(v)).ds;
  }

  it('uses N = tensor size for weights', () => {
    expect(stepGrad('weight')).toBeCloseTo(unscaled / Math.sqrt(6 * 7), 5);
  });

  it('uses N = elements per sample for activations', () => {
    expect(stepGrad('activation')).toBeCloseTo(unscaled / Math.sqrt(3 * 7), 5);
  });
});

describe('LsqQuantizer.clampStep', () => {
  it('raises a step below eps to eps', () => {
    const q = lsq();
    tf.tidy(() => q.step.assign(tf.scalar(-0.01)));
    q.clampStep(1e-4);
    expect(q.step.dataSync()[0]).toBeCloseTo(1e-4, 9);
  });

  it('leaves a step at or above eps alone', () => {
    const q = lsq();
    tf.tidy(() => q.step.assign(tf.scalar(0.2)));
    q.clampStep(1e-4);
    expect(q.step.dataSync()[0]).toBeCloseTo(0.2, 7);
  });

  it('rejects a non-positive eps', () => {
    expect(() => lsq().clampStep(0)).toThrow('clampStep eps must be a positive number, got 0');
  });
});

describe('LsqQuantizer stats (method.md §5.4)', () => {
  it('records step, mean |e| over inside elements and clip fraction when asked', async () => {
    const q = lsq({ bits: 3 }); // Qn = 4, Qp = 3
    tf.tidy(() => q.step.assign(tf.scalar(0.5)));
    q.initialized = true;
    // u = [0.3, -1.4, 5, -6]: two inside with |e| = 0.3 and 0.4, two clipped.
    const v = tf.tensor1d([0.15, -0.7, 2.5, -3]);
    tf.dispose(q.apply(v, evalContext));
    expect(await q.readStats()).toBeNull();
    tf.dispose(q.apply(v, { ...evalContext, collectStats: true }));
    // The step size at the forward pass, not after a later update.
    tf.tidy(() => q.step.assign(tf.scalar(0.25)));
    const stats = (await q.readStats())!;
    expect(stats.step).toBeCloseTo(0.5, 7);
    expect(stats.meanAbsError).toBeCloseTo(0.35, 6);
    expect(stats.clipFraction).toBeCloseTo(0.5, 7);
  });

  it('does not count ReLU zeros of an unsigned activation (Qn = 0) as clipped', async () => {
    const q = lsq({ bits: 2, target: 'activation', signed: false }); // Qn = 0, Qp = 3
    tf.tidy(() => q.step.assign(tf.scalar(1)));
    q.initialized = true;
    // Three ReLU zeros, one inside, one above Qp: only the last is clipped.
    tf.dispose(q.apply(tf.tensor2d([[0, 0, 0, 1.2, 7]]), { ...evalContext, collectStats: true }));
    const stats = (await q.readStats())!;
    expect(stats.clipFraction).toBeCloseTo(0.2, 7);
  });

  it('keeps recorded stats as one tensor until they are read or dropped', async () => {
    const q = lsq({ bits: 3 });
    q.initialized = true;
    const v = tf.tensor1d([0.15, -0.7, 2.5, -3]);
    tf.dispose(q.apply(v, evalContext));
    const before = tf.memory().numTensors;
    tf.dispose(q.apply(v, { ...evalContext, collectStats: true }));
    tf.dispose(q.apply(v, { ...evalContext, collectStats: true }));
    expect(tf.memory().numTensors).toBe(before + 1);
    const stats = await q.readStats();
    expect(tf.memory().numTensors).toBe(before);
    expect(await q.readStats()).toEqual(stats);
    tf.dispose(q.apply(v, { ...evalContext, collectStats: true }));
    q.dropStats();
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });
});
