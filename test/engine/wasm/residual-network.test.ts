import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { onBoth, randomValues, relativeError } from './compare';

const SHAPES: Record<string, number[]> = {
  w1: [3, 3, 3, 4], gamma: [4], beta: [4], w2: [3, 3, 4, 8], shortcut: [1, 1, 4, 8], dense: [8, 5], bias: [5],
};
const BATCH = 3;
const INPUT: [number, number, number, number] = [BATCH, 7, 7, 3];

/** conv3x3 -> batchnorm -> softplus -> (conv3x3/2 + conv1x1/2) -> global mean -> dense -> softmax CE. */
function lossAndGrads(): tf.Tensor[] {
  const names = Object.keys(SHAPES);
  const vars: Record<string, tf.Variable> = {};
  names.forEach((name, i) => {
    const v = randomValues(tf.util.sizeFromShape(SHAPES[name]), 20 + i);
    const init = name === 'gamma' ? v.map((a) => 1 + 0.5 * a) : v.map((a) => 0.5 * a);
    vars[name] = tf.variable(tf.tensor(init, SHAPES[name]), true);
  });
  const x = tf.tensor4d(randomValues(tf.util.sizeFromShape(INPUT), 30), INPUT);
  const labels = tf.oneHot(tf.tensor1d([0, 3, 4], 'int32'), 5);
  const loss = (): tf.Scalar => {
    const c1 = tf.conv2d(x, vars.w1 as tf.Tensor4D, 1, 'same');
    const { mean, variance } = tf.moments(c1, [0, 1, 2]);
    const bn = tf.batchNorm(c1, mean, variance, vars.beta, vars.gamma, 1e-3);
    const h = tf.softplus(bn) as tf.Tensor4D;
    const main = tf.conv2d(h, vars.w2 as tf.Tensor4D, 2, 'same');
    const skip = tf.conv2d(h, vars.shortcut as tf.Tensor4D, 2, 'same');
    const pooled = tf.mean(tf.add(main, skip), [1, 2]);
    const logits = tf.add(tf.matMul(pooled, vars.dense), vars.bias);
    return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)));
  };
  const { value, grads } = tf.variableGrads(loss, names.map((n) => vars[n]));
  const out = [value, ...names.map((n) => grads[vars[n].name])];
  tf.dispose(Object.values(vars));
  return out;
}

describe('wasm training kernels in a small residual network', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmTrainingKernels();
    registerWasmTrainingKernels(); // idempotent
  });

  it('matches every parameter gradient of the cpu backend', async () => {
    const r = await onBoth(lossAndGrads);
    const labels = ['loss', ...Object.keys(SHAPES)];
    const errors = Object.fromEntries(labels.map((name, i) => [name, relativeError(r.cpu[i], r.wasm[i])]));
    for (const name of labels) expect(errors[name], name).toBeLessThanOrEqual(1e-4);
  });

  it('leaks no tensors or wasm data ids over repeated steps', async () => {
    await tf.setBackend('wasm');
    const step = () => tf.dispose(tf.tidy(lossAndGrads));
    step(); // warm-up (lazy allocations)
    const tensors = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(dataIds);
  });

  it('each kernel disposes its intermediates', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randomValues(2 * 6 * 6 * 4, 40), [2, 6, 6, 4]);
    const w = tf.tensor4d(randomValues(3 * 3 * 4 * 4, 41), [3, 3, 4, 4]);
    const dw = tf.tensor4d(randomValues(3 * 3 * 4 * 2, 42), [3, 3, 4, 2]);
    const dy = tf.tensor4d(randomValues(2 * 2 * 2 * 4, 43), [2, 2, 2, 4]);
    const dyDw = tf.tensor4d(randomValues(2 * 2 * 2 * 8, 44), [2, 2, 2, 8]);
    const ids = tf.tensor1d([1, 0], 'int32');
    const conv = { strides: [2, 2], pad: 'valid', dataFormat: 'NHWC' };
    const depthwise = { strides: [2, 2], pad: 'valid', dilations: [1, 1] };
    const calls: Array<() => unknown> = [
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: [3, 3, 4, 4] }),
      () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...conv, inputShape: [2, 6, 6, 4] }),
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: dyDw }, { ...depthwise, filterShape: [3, 3, 4, 2] }),
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dyDw, filter: dw }, { ...depthwise, inputShape: [2, 6, 6, 4] }),
      () => tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: 3 }),
      () => tf.engine().runKernel('Tile', { x: tf.slice(x, [0, 0, 0, 0], [1, 1, 1, 4]) }, { reps: [2, 6, 6, 1] }),
      () => tf.engine().runKernel('BatchMatMul', { a: tf.reshape(x, [2, 36, 4]), b: tf.reshape(x, [2, 36, 4]) }, { transposeA: true, transposeB: false }),
      () => tf.engine().runKernel('BatchMatMul', { a: tf.reshape(x, [2, 36, 4]), b: tf.reshape(x, [2, 36, 4]) }, { transposeA: false, transposeB: true }),
    ];
    for (const call of calls) {
      tf.dispose(tf.tidy(() => call() as tf.Tensor)); // warm-up
      const dataIds = tf.backend().numDataIds();
      const tensors = tf.memory().numTensors;
      tf.dispose(tf.tidy(() => call() as tf.Tensor));
      expect(tf.backend().numDataIds(), String(call)).toBe(dataIds);
      expect(tf.memory().numTensors, String(call)).toBe(tensors);
    }
    tf.dispose([x, w, dw, dy, dyDw, ids]);
  });
});
