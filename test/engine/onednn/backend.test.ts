import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, settleBackendWork } from '../../../src-main/engine/backend';
import '../../../src-main/engine/gradients';
import { registerOneDnnBackend } from '../../../src-main/engine/onednn';
import { broadcastPlan } from '../../../src-main/engine/onednn/elementwise';
import type { PooledCpuBackend } from '../../../src-main/engine/onednn/pooled-backend';
import { ONEDNN_BUILT } from '../../helpers/onednn';

/** Runs f on cpu and on onednn with the same inputs; returns both results' values. */
async function onBoth(f: () => tf.Tensor): Promise<{ cpu: Float32Array; onednn: Float32Array }> {
  await tf.setBackend('cpu');
  const cpu = Float32Array.from(tf.tidy(f).dataSync());
  await tf.setBackend('onednn');
  const onednn = Float32Array.from(tf.tidy(f).dataSync());
  return { cpu, onednn };
}

function expectClose(actual: Float32Array, expected: Float32Array, relative = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1e-6, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale).toBeLessThan(relative);
}

const random = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe('broadcastPlan', () => {
  it('maps each operand to whole, row, column or scalar over one split of the output', () => {
    expect(broadcastPlan([8, 4], [4], [8, 4])).toEqual({ rows: 8, cols: 4, group: 1, modeA: 0, modeB: 1 });
    expect(broadcastPlan([8, 4], [8, 1], [8, 4])).toEqual({ rows: 8, cols: 4, group: 1, modeA: 0, modeB: 2 });
    // A scalar is one column of a single row.
    expect(broadcastPlan([], [2, 3, 4], [2, 3, 4])).toEqual({ rows: 1, cols: 24, group: 1, modeA: 2, modeB: 0 });
    expect(broadcastPlan([2, 1, 4], [1, 3, 1], [2, 3, 4])).toBeUndefined();
  });

  it('maps a per-image, per-channel operand to one row per group of rows (a mean over h and w)', () => {
    expect(broadcastPlan([16, 1, 1, 64], [16, 8, 8, 64], [16, 8, 8, 64])).toEqual({ rows: 1024, cols: 64, group: 64, modeA: 4, modeB: 0 });
    expect(broadcastPlan([2, 3, 4], [2, 1, 4], [2, 3, 4])).toEqual({ rows: 6, cols: 4, group: 3, modeA: 0, modeB: 4 });
  });
});

describe.skipIf(!ONEDNN_BUILT)('onednn backend', () => {
  beforeAll(async () => {
    await selectBackend('onednn');
  });

  it('records oneDNN version and ISA in the device it reports', async () => {
    const info = await selectBackend('onednn');
    expect(info.name).toBe('onednn');
    expect(info.device).toMatch(/oneDNN \d+\.\d+\.\d+, [a-z0-9_]+\)$/);
  });

  it.each([
    ['stride 1, same', 1, 'same', [3, 3, 5, 7]],
    ['stride 2, same, even input (negative bottom padding)', 2, 'same', [1, 1, 5, 8]],
    ['stride 2, valid', 2, 'valid', [3, 3, 5, 7]],
  ] as const)('convolves and back-propagates as the cpu backend: %s', async (_name, stride, pad, filterShape) => {
    const x = () => random([3, 10, 10, 5], 1) as tf.Tensor4D;
    const w = () => random([...filterShape], 2) as tf.Tensor4D;
    const forward = await onBoth(() => tf.conv2d(x(), w(), stride, pad));
    expectClose(forward.onednn, forward.cpu);
    const gradOf = (which: 0 | 1) => () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad))))([x(), w()])[which];
    for (const which of [0, 1] as const) {
      const grads = await onBoth(gradOf(which));
      expectClose(grads.onednn, grads.cpu);
    }
  });

  it('back-propagates a stride-2 1x1 conv on an even input many times without corrupting memory', () => {
    // ResNet's shortcuts: oneDNN 2.6 corrupted the heap here (a crash within ~100 steps) when given
    // the negative bottom padding directly.
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')));
    const step = () => tf.tidy(() => tf.grads(loss)([random([3, 10, 10, 5], 1), random([1, 1, 5, 8], 2)]).map((g) => Array.from(g.dataSync())));
    const first = step();
    for (let i = 0; i < 300; i++) step();
    expect(step()).toEqual(first);
  });

  it('multiplies batched and transposed matrices, with a batch of one broadcast', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = () => (ta ? random([3, 6, 4], 3) : random([3, 4, 6], 3)) as tf.Tensor3D;
      const b = () => (tb ? random([1, 5, 6], 4) : random([1, 6, 5], 4)) as tf.Tensor3D;
      const result = await onBoth(() => tf.matMul(a(), b(), ta, tb));
      expectClose(result.onednn, result.cpu);
    }
  });

  it('computes element-wise ops, broadcasts and reductions as the cpu backend', async () => {
    const big = () => random([64, 33, 20], 5);
    const ops: (() => tf.Tensor)[] = [
      () => tf.add(big(), random([20], 6)),
      () => tf.sub(big(), random([64, 1, 1], 7)),
      () => tf.mul(tf.scalar(3), big()),
      () => tf.div(big(), tf.add(tf.abs(random([64, 33, 20], 8)), 1)),
      () => tf.maximum(big(), random([1, 33, 1], 9)), // falls back: the middle axis only
      () => tf.mul(random([64, 1, 20], 9), big()), // one row per group of 33 rows
      () => tf.batchNorm(big(), random([20], 10), tf.add(tf.abs(random([20], 11)), 0.1), random([20], 12), random([20], 13), 1e-5),
      () => tf.batchNorm(big(), random([20], 10), tf.add(tf.abs(random([20], 11)), 0.1)), // no offset, no scale
      () => tf.relu(big()),
      () => tf.step(big(), 0.5),
      () => tf.rsqrt(tf.abs(big())),
      () => tf.exp(big()),
      () => tf.sum(big(), [1, 2]),
      () => tf.sum(big(), 0),
      () => tf.mean(big(), 1, true),
      () => tf.max(big(), [0, 1]),
    ];
    for (const op of ops) {
      const result = await onBoth(op);
      expectClose(result.onednn, result.cpu);
    }
  });

  it('gives the same results on one thread and on two (sums split by thread merge in a fixed order)', async () => {
    const x = random([4096, 16], 10);
    const run = (threads: number) => {
      registerOneDnnBackend(threads);
      return Float32Array.from(tf.tidy(() => tf.sum(tf.square(tf.conv2d(tf.reshape(x, [16, 16, 16, 16]) as tf.Tensor4D, random([3, 3, 16, 8], 11) as tf.Tensor4D, 1, 'same')), 0)).dataSync());
    };
    const one = run(1);
    const two = run(2);
    expect(Array.from(run(2))).toEqual(Array.from(two));
    expectClose(two, one);
    registerOneDnnBackend(2);
    x.dispose();
  });

  it('never reuses an array a caller was given or a view was cut from', async () => {
    const read = tf.relu(random([256, 64], 12));
    const readValues = read.dataSync();
    const readCopy = Float32Array.from(readValues);
    const sliced = tf.tidy(() => tf.slice(tf.relu(random([256, 64], 13)), [0, 0], [128, 64]));
    const slicedCopy = Float32Array.from(sliced.dataSync());
    read.dispose();
    // Same-sized outputs would take any recycled array.
    const later = Array.from({ length: 8 }, (_, i) => tf.neg(random([256, 64], 20 + i)));
    expect(Array.from(readValues)).toEqual(Array.from(readCopy));
    expect(Array.from(sliced.dataSync())).toEqual(Array.from(slicedCopy));
    tf.dispose([sliced, ...later]);
  });

  it('reuses a freed array in the next step, and lets the kept arrays go when a job ends', async () => {
    const backend = tf.backend() as PooledCpuBackend;
    const arrayOf = (t: tf.Tensor) => backend.data.get(t.dataId).values;
    const x = random([64, 64], 30);
    const first = tf.neg(x);
    const kept = arrayOf(first);
    first.dispose();
    const second = tf.neg(x);
    expect(arrayOf(second)).toBe(kept);
    second.dispose();
    await settleBackendWork();
    const third = tf.neg(x);
    expect(arrayOf(third)).not.toBe(kept);
    tf.dispose([x, third]);
  });

  it('keeps the tensor count flat over training steps', async () => {
    const w = tf.variable(random([3, 3, 4, 8], 30));
    const x = random([8, 12, 12, 4], 31);
    const optimizer = tf.train.sgd(0.01);
    const step = () => optimizer.minimize(() => tf.mean(tf.square(tf.relu(tf.conv2d(x as tf.Tensor4D, w as tf.Variable<tf.Rank.R4>, 1, 'same')))) as tf.Scalar, true)!;
    step().dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) step().dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, x]);
    optimizer.dispose();
  });
});
