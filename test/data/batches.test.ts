import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BatchOptions, type ImageSet, createBatchSource } from '../../src-main/data/batches';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `count` 4x4 RGB images whose pixels encode the image index, labels cycling 0..2. */
function smallSet(count: number): ImageSet {
  const pixels = 4 * 4 * 3;
  const images = Uint8Array.from({ length: count * pixels }, (_, i) => (Math.floor(i / pixels) * 7 + (i % pixels)) % 256);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  return { images, labels, shape: [4, 4, 3], numClasses: 3, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 1] };
}

const options = (overrides: Partial<BatchOptions> = {}): BatchOptions => ({ batchSize: 4, shuffle: false, seed: 1, dropLast: false, ...overrides });

/** Reads one epoch into plain arrays, disposing every batch. */
async function readEpoch(set: ImageSet, opts: BatchOptions, epoch = 0): Promise<{ x: Float32Array[]; y: number[][] }> {
  const x: Float32Array[] = [];
  const y: number[][] = [];
  for await (const batch of createBatchSource(set, opts).batches(epoch)) {
    x.push((await batch.x.data()) as Float32Array);
    y.push(Array.from(await batch.y.data()));
    tf.dispose([batch.x, batch.y]);
  }
  return { x, y };
}

const PIXELS = 4 * 4 * 3;

/** Recovers the image order from each image's first byte (7n, normalized with mean 0.5 and std 0.5). */
const orderOf = (x: Float32Array[]) =>
  x.flatMap((batch) => Array.from({ length: batch.length / PIXELS }, (_, b) => Math.round((batch[b * PIXELS] + 1) * 127.5) / 7));

describe('createBatchSource', () => {
  it('normalizes each channel as (pixel/255 - mean) / std', async () => {
    const set = smallSet(2);
    const { x, y } = await readEpoch(set, options());
    expect(x).toHaveLength(1);
    for (let i = 0; i < 2 * PIXELS; i++) {
      const ch = i % 3;
      const expected = (set.images[i] / 255 - set.mean[ch]) / set.std[ch];
      expect(x[0][i]).toBeCloseTo(expected, 6);
    }
    expect(x[0][0]).toBe(-1);
    expect(x[0][1]).toBe(Math.fround(1 / (255 * 0.25) - 1));
    expect(y).toEqual([[0, 1]]);
  });

  it('shuffles to a permutation that differs per epoch and repeats for the same (seed, epoch)', async () => {
    const set = smallSet(30);
    const shuffled = options({ shuffle: true, seed: 5, batchSize: 30 });
    const first = await readEpoch(set, shuffled, 0);
    const again = await readEpoch(set, shuffled, 0);
    const second = await readEpoch(set, shuffled, 1);
    const order = orderOf(first.x);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(order).not.toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(again.x).toEqual(first.x);
    expect(orderOf(second.x)).not.toEqual(order);
    expect(first.y[0]).toEqual(order.map((i) => i % 3));
  });

  it('keeps the last partial batch for evaluation and drops it for training', async () => {
    const set = smallSet(10);
    const kept = createBatchSource(set, options());
    const dropped = createBatchSource(set, options({ dropLast: true }));
    expect(kept.stepsPerEpoch()).toBe(3);
    expect(dropped.stepsPerEpoch()).toBe(2);
    expect((await readEpoch(set, options())).y.map((b) => b.length)).toEqual([4, 4, 2]);
    expect((await readEpoch(set, options({ dropLast: true }))).y.map((b) => b.length)).toEqual([4, 4]);
  });

  it('yields the same batches with and without prefetch', async () => {
    const set = smallSet(23);
    const base = options({ shuffle: true, batchSize: 5, augment: { crop: 1, flip: true } });
    const eager = await readEpoch(set, { ...base, prefetch: true }, 3);
    const plain = await readEpoch(set, { ...base, prefetch: false }, 3);
    expect(eager.x).toHaveLength(5);
    expect(eager).toEqual(plain);
  });

  it('augments only when configured, the same way for the same (seed, epoch)', async () => {
    const set = smallSet(12);
    const plain = await readEpoch(set, options());
    expect(await readEpoch(set, options({ augment: { crop: 0, flip: false } }))).toEqual(plain);
    const augmented = options({ augment: { crop: 2, flip: true } });
    const a = await readEpoch(set, augmented, 0);
    expect(a.x).not.toEqual(plain.x);
    expect(a.y).toEqual(plain.y);
    expect(await readEpoch(set, augmented, 0)).toEqual(a);
    expect((await readEpoch(set, augmented, 1)).x).not.toEqual(a.x);
  });

  it('leaves no tensors behind after an epoch, or after a consumer stops early', async () => {
    const set = smallSet(40);
    const source = createBatchSource(set, options({ shuffle: true, augment: { crop: 1, flip: true } }));
    const baseline = tf.memory().numTensors;
    for await (const batch of source.batches(0)) tf.dispose([batch.x, batch.y]);
    expect(tf.memory().numTensors).toBe(baseline);
    for await (const batch of source.batches(1)) {
      tf.dispose([batch.x, batch.y]);
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('rejects bad options with messages that name them', () => {
    const set = smallSet(6);
    expect(() => createBatchSource(set, options({ batchSize: 0 }))).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => createBatchSource(set, options({ batchSize: 2.5 }))).toThrow(/batchSize/);
    expect(() => createBatchSource(set, options({ batchSize: 8, dropLast: true }))).toThrow(/batch size 8 is larger than the 6 training images/);
    expect(() => createBatchSource(set, options({ seed: 0.5 }))).toThrow(/seed must be a safe integer/);
    expect(() => createBatchSource(set, options({ augment: { crop: -2, flip: true } }))).toThrow(/augment\.crop/);
    expect(() => createBatchSource({ ...set, std: [0.5, 0, 1] }, options())).toThrow(/std\[1\] must be a positive number/);
    expect(() => createBatchSource({ ...set, labels: set.labels.subarray(1) }, options())).toThrow(/6 images but 5 labels/);
    expect(() => createBatchSource({ ...set, labels: Uint8Array.of(0, 1, 2, 3, 0, 1) }, options())).toThrow(/label 3 at index 3 is outside 0\.\.2/);
  });
});
