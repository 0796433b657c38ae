import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { maxRelativeError, onBoth, randomValues } from './compare';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

// Gradients of sum(conv2d(x, w) * dy) are exactly dX = Conv2DBackpropInput
// and dW = Conv2DBackpropFilter.
async function convGradError(
  xShape: [number, number, number, number], k: number, cout: number,
  strides: number | [number, number], pad: Pad,
): Promise<number> {
  const wShape: [number, number, number, number] = [k, k, xShape[3], cout];
  const xv = randomValues(tf.util.sizeFromShape(xShape), 1);
  const wv = randomValues(tf.util.sizeFromShape(wShape), 2);
  const r = await onBoth(() => {
    const x = tf.tensor4d(xv, xShape);
    const w = tf.tensor4d(wv, wShape);
    const yShape = tf.conv2d(x, w, strides, pad).shape;
    const dy = tf.tensor(randomValues(tf.util.sizeFromShape(yShape), 3), yShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), dy)));
    return g([x, w]);
  });
  return maxRelativeError(r);
}

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmTrainingKernels(); // after setBackend here; other files register before
  });

  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const k of [1, 3]) {
        for (const size of [5, 6]) {
          for (const batch of [1, 3]) {
            it(`stride ${stride}, ${pad}, ${k}x${k}, ${size}x${size}, batch ${batch}`, async () => {
              expect(await convGradError([batch, size, size, 3], k, 4, stride, pad)).toBeLessThanOrEqual(1e-4);
            });
          }
        }
      }
    }
  }

  it('non-square input with strides [2, 1]', async () => {
    expect(await convGradError([2, 7, 4, 2], 3, 5, [2, 1], 'same')).toBeLessThanOrEqual(1e-4);
  });

  it('explicit asymmetric padding, stride 2', async () => {
    expect(await convGradError([2, 6, 7, 3], 3, 2, 2, [[0, 0], [1, 2], [2, 0], [0, 0]])).toBeLessThanOrEqual(1e-4);
  });

  it('ResNet-like channel counts (16 -> 32, stride 2)', async () => {
    expect(await convGradError([2, 8, 8, 16], 3, 32, 2, 'same')).toBeLessThanOrEqual(1e-4);
  });

  it('rejects NCHW with a message naming the kernel', () => {
    const x = tf.zeros([1, 4, 4, 2]);
    const dy = tf.zeros([1, 4, 4, 3]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
      strides: [1, 1], pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3],
    })).toThrow(/Conv2DBackpropFilter \(wasm\).*dataFormat/);
    tf.dispose([x, dy]);
  });
});
