import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { onBoth, randomValues, relativeError } from './compare';

describe('wasm UnsortedSegmentSum', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels(); // before setBackend
    await tf.setBackend('wasm');
  });

  it('sums rows of a rank-3 tensor by 1-D ids (unsorted, with empty segments)', async () => {
    const xv = randomValues(7 * 3 * 4, 7);
    const r = await onBoth(() => [tf.unsortedSegmentSum(tf.tensor3d(xv, [7, 3, 4]), tf.tensor1d([3, 0, 3, 1, 5, 0, 3], 'int32'), 6)]);
    expect(relativeError(r.cpu[0], r.wasm[0])).toBeLessThanOrEqual(1e-6);
  });

  it('accepts 2-D ids and int32 values, dropping out-of-range ids', async () => {
    // The cpu backend does not support 2-D ids, so this one is checked by hand.
    await tf.setBackend('wasm');
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2], 'int32');
    const ids = tf.tensor2d([[0, 2, 0], [1, 2, 9]], [2, 3], 'int32');
    const out = tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: 3 }) as tf.Tensor;
    expect(out.dtype).toBe('int32');
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(out.dataSync())).toEqual([6, 8, 7, 8, 12, 14]);
    tf.dispose([x, ids, out]);
  });

  it('is the gradient of gather', async () => {
    const xv = randomValues(10 * 5, 8);
    const dyv = randomValues(6 * 5, 9);
    const r = await onBoth(() => {
      const idx = tf.tensor1d([9, 2, 2, 0, 7, 2], 'int32');
      const dy = tf.tensor2d(dyv, [6, 5]);
      return [tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, idx), dy)))(tf.tensor2d(xv, [10, 5]))];
    });
    expect(relativeError(r.cpu[0], r.wasm[0])).toBeLessThanOrEqual(1e-6);
  });
});
