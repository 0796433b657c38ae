import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FpQuantizer } from '../../../src-main/engine/quantizers/fp';
import { evalContext, trainingContext, useCpuBackend } from './helpers';

beforeAll(useCpuBackend);

describe('FpQuantizer (method.md §4)', () => {
  const fp = new FpQuantizer({ kind: 'fp', bits: 99, signed: true, target: 'weight', name: 'fc/w' });

  it('returns its input unchanged in training and eval', () => {
    const v = tf.tensor1d([0.123, -4.56, 7.89]);
    expect(fp.apply(v, trainingContext({ lambda: 1 }))).toBe(v);
    expect(fp.apply(v, evalContext)).toBe(v);
  });

  it('has no step size, ignores bits and never clamps', async () => {
    expect(fp.step).toBeNull();
    expect(fp.initialized).toBe(true);
    expect(() => fp.clampStep()).not.toThrow();
    fp.initFrom(tf.ones([2]));
    expect(await fp.readStats()).toBeNull();
  });

  it('passes the gradient straight through', () => {
    const [grad] = tf.grads((x: tf.Tensor) => tf.sum(tf.mul(fp.apply(x, trainingContext()), 3)))([
      tf.tensor1d([1, 2]),
    ]);
    expect(Array.from(grad.dataSync())).toEqual([3, 3]);
  });

  it('still checks its name and target', () => {
    expect(
      () => new FpQuantizer({ kind: 'fp', bits: 8, signed: true, target: 'weight', name: '' }),
    ).toThrow('Error in fp quantizer: name must be a non-empty string');
  });
});
