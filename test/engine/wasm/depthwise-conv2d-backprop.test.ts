import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { maxRelativeError, onBoth, randomValues } from './compare';

// Gradients of sum(depthwiseConv2d(x, w) * dy) are exactly the
// DepthwiseConv2dNativeBackpropInput / ...BackpropFilter kernels.
async function depthwiseGradError(
  xShape: [number, number, number, number], k: number, multiplier: number,
  strides: number | [number, number], pad: 'same' | 'valid',
): Promise<number> {
  const wShape: [number, number, number, number] = [k, k, xShape[3], multiplier];
  const xv = randomValues(tf.util.sizeFromShape(xShape), 4);
  const wv = randomValues(tf.util.sizeFromShape(wShape), 5);
  const r = await onBoth(() => {
    const x = tf.tensor4d(xv, xShape);
    const w = tf.tensor4d(wv, wShape);
    const yShape = tf.depthwiseConv2d(x, w, strides, pad).shape;
    const dy = tf.tensor(randomValues(tf.util.sizeFromShape(yShape), 6), yShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), dy)));
    return g([x, w]);
  });
  return maxRelativeError(r);
}

describe('wasm DepthwiseConv2dNativeBackpropInput / BackpropFilter', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels(); // before setBackend
    await tf.setBackend('wasm');
  });

  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const k of [1, 3]) {
        for (const size of [5, 6]) {
          for (const [batch, multiplier] of [[1, 1], [3, 2]]) {
            it(`stride ${stride}, ${pad}, ${k}x${k}, ${size}x${size}, batch ${batch}, multiplier ${multiplier}`, async () => {
              expect(await depthwiseGradError([batch, size, size, 3], k, multiplier, stride, pad)).toBeLessThanOrEqual(1e-4);
            });
          }
        }
      }
    }
  }

  it('non-square input with strides [1, 2]', async () => {
    expect(await depthwiseGradError([2, 4, 7, 4], 3, 1, [1, 2], 'same')).toBeLessThanOrEqual(1e-4);
  });

  it('rejects dilations > 1 with a message naming the kernel', () => {
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 2]);
    expect(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, {
      strides: [1, 1], dilations: [2, 2], pad: 'same', filterShape: [3, 3, 2, 1],
    })).toThrow(/DepthwiseConv2dNativeBackpropFilter \(wasm\).*dilations/);
    tf.dispose([x, dy]);
  });
});
