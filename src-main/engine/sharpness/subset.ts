import * as tf from '@tensorflow/tfjs-core';
import { type Batch, type BatchSource, checkImageSet, createBatchSource, type ImageSet } from '../../data/batches';
import { Rng } from '../../../shared/rng';

/**
 * The fixed evaluation subset of method.md §5: `count` images drawn without replacement by a
 * stream derived from `seed`, kept in their original order. The whole set when it is smaller.
 */
export function selectSubset(trainSet: ImageSet, count = 1024, seed = 0): ImageSet {
  checkImageSet(trainSet, 'selectSubset');
  if (!Number.isInteger(count) || count < 1) throw new Error(`selectSubset: count (images) must be a positive integer, got ${count}`);
  const total = trainSet.labels.length;
  const order = Int32Array.from({ length: total }, (_, i) => i);
  if (count < total) new Rng(seed).fork('sharpness-subset').shuffle(order);
  const chosen = order.subarray(0, Math.min(count, total)).sort();
  const [h, w, c] = trainSet.shape;
  const pixels = h * w * c;
  const images = new Uint8Array(chosen.length * pixels);
  const labels = new Int32Array(chosen.length);
  chosen.forEach((index, i) => {
    images.set(trainSet.images.subarray(index * pixels, (index + 1) * pixels), i * pixels);
    labels[i] = trainSet.labels[index];
  });
  return { images, labels, shape: trainSet.shape, numClasses: trainSet.numClasses, mean: trainSet.mean, std: trainSet.std };
}

/**
 * The subset as normalized tensors, made once and reused by every gradient and loss evaluation
 * (no augmentation). dispose() frees them.
 */
export interface SubsetTensors {
  readonly batches: readonly Batch[];
  readonly count: number;
  /** A BatchSource over the same tensors for evaluate(): it yields clones, which evaluate disposes. */
  source(): BatchSource;
  dispose(): void;
}

export async function subsetTensors(subset: ImageSet, batchSize: number): Promise<SubsetTensors> {
  const options = { batchSize, shuffle: false, seed: 0, dropLast: false, prefetch: false };
  const batches: Batch[] = [];
  for await (const batch of createBatchSource(subset, options).batches(0)) batches.push(batch);
  const count = subset.labels.length;
  const source: BatchSource = {
    count,
    batchSize,
    stepsPerEpoch: () => batches.length,
    async *batches() {
      for (const { x, y } of batches) yield { x: tf.clone(x), y: tf.clone(y) };
    },
  };
  return {
    batches,
    count,
    source: () => source,
    dispose: () => batches.forEach(({ x, y }) => tf.dispose([x, y])),
  };
}
