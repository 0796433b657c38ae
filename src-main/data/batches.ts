import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../engine/rng';

/** Images as uint8 HWC pixels, one after another, with integer labels. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array | Int32Array;
  shape: [number, number, number];
  numClasses: number;
  /** Per-channel mean and std of the training pixels in [0, 1], for normalization. */
  mean: number[];
  std: number[];
}

export interface Batch {
  x: tf.Tensor4D;
  /** int32 class indices. */
  y: tf.Tensor1D;
}

/** What the training loop consumes: a fixed number of batches per epoch. */
export interface BatchSource {
  readonly count: number;
  readonly batchSize: number;
  stepsPerEpoch(): number;
  /** The batches of one epoch; the caller disposes each batch's tensors. */
  batches(epoch: number): AsyncIterable<Batch>;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle with a stream derived from (seed, epoch), so a resumed run sees the same order. */
  shuffle: boolean;
  seed: number;
  /** Drop the last partial batch (training) or keep it (evaluation). */
  dropLast: boolean;
}

export function checkImageSet(set: ImageSet, what: string): void {
  const [h, w, c] = set.shape;
  const pixels = h * w * c;
  if (set.images.length % pixels !== 0) throw new Error(`${what}: ${set.images.length} pixel bytes is not a whole number of ${h}x${w}x${c} images`);
  const count = set.images.length / pixels;
  if (count !== set.labels.length) throw new Error(`${what}: ${count} images but ${set.labels.length} labels`);
  if (set.mean.length !== c || set.std.length !== c) throw new Error(`${what}: mean/std need ${c} channel values`);
  for (let i = 0; i < set.labels.length; i++) {
    const label = set.labels[i];
    if (label < 0 || label >= set.numClasses) throw new Error(`${what}: label ${label} at index ${i} is outside 0..${set.numClasses - 1}`);
  }
}

/** Normalizes the chosen images into one float tensor: (pixel/255 - mean) / std per channel. */
function gatherBatch(set: ImageSet, indices: ArrayLike<number>): Batch {
  const [h, w, c] = set.shape;
  const pixels = h * w * c;
  const x = new Float32Array(indices.length * pixels);
  const y = new Int32Array(indices.length);
  const scale = set.std.map((s) => 1 / (255 * s));
  const shift = set.mean.map((m, ch) => -m / set.std[ch]);
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * pixels;
    const dst = b * pixels;
    for (let p = 0; p < pixels; p++) {
      const ch = p % c;
      x[dst + p] = set.images[src + p] * scale[ch] + shift[ch];
    }
    y[b] = set.labels[indices[b]];
  }
  return { x: tf.tensor4d(x, [indices.length, h, w, c]), y: tf.tensor1d(y, 'int32') };
}

export function createBatchSource(set: ImageSet, options: BatchOptions): BatchSource {
  checkImageSet(set, 'batch source');
  const count = set.labels.length;
  const { batchSize, dropLast } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (dropLast && count < batchSize) throw new Error(`batch size ${batchSize} is larger than the ${count} training images`);
  const stepsPerEpoch = () => (dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize));

  async function* batches(epoch: number): AsyncIterable<Batch> {
    const order = Int32Array.from({ length: count }, (_, i) => i);
    if (options.shuffle) new Rng(options.seed).fork(`epoch-${epoch}`).shuffle(order);
    for (let s = 0; s < stepsPerEpoch(); s++) {
      yield gatherBatch(set, order.subarray(s * batchSize, Math.min(count, (s + 1) * batchSize)));
    }
  }
  return { count, batchSize, stepsPerEpoch, batches };
}
