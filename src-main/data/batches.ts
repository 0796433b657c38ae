import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../shared/rng';
import { type AugmentConfig, applyAugmentation, checkAugmentConfig, drawAugmentation } from './augment';

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
  /** Random crop and flip, for training sources only; drawn from a stream derived from (seed, epoch). */
  augment?: AugmentConfig;
  /** Prepare batch i+1 while the consumer works on batch i (default true). */
  prefetch?: boolean;
}

export function checkImageSet(set: ImageSet, what: string): void {
  const [h, w, c] = set.shape;
  const pixels = h * w * c;
  if (set.images.length % pixels !== 0) throw new Error(`${what}: ${set.images.length} pixel bytes is not a whole number of ${h}x${w}x${c} images`);
  const count = set.images.length / pixels;
  if (count !== set.labels.length) throw new Error(`${what}: ${count} images but ${set.labels.length} labels`);
  if (set.mean.length !== c || set.std.length !== c) throw new Error(`${what}: mean/std need ${c} channel values`);
  set.std.forEach((s, ch) => {
    if (!(s > 0) || !Number.isFinite(s)) throw new Error(`${what}: std[${ch}] must be a positive number, got ${s}`);
  });
  for (let i = 0; i < set.labels.length; i++) {
    const label = set.labels[i];
    if (label < 0 || label >= set.numClasses) throw new Error(`${what}: label ${label} at index ${i} is outside 0..${set.numClasses - 1}`);
  }
}

function checkOptions(set: ImageSet, options: BatchOptions, count: number): void {
  const { batchSize, seed } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch source: batchSize must be a positive integer, got ${batchSize}`);
  if (options.dropLast && count < batchSize) throw new Error(`batch source: batch size ${batchSize} is larger than the ${count} training images`);
  if (!Number.isSafeInteger(seed)) throw new Error(`batch source: seed must be a safe integer, got ${seed}`);
  if (options.augment !== undefined) checkAugmentConfig(options.augment, set.shape, 'batch source');
}

/** A batch's pixels and labels, ready to become tensors. */
interface PreparedBatch {
  x: Float32Array;
  y: Int32Array;
}

/**
 * Fills batches from the set: (pixel/255 - mean) / std per channel, written as pixel*scale + shift
 * with both precomputed, walking pixels then channels so no per-value modulo is needed.
 */
function makeGatherer(set: ImageSet, augment: AugmentConfig | undefined) {
  const [h, w, c] = set.shape;
  const pixels = h * w * c;
  const scale = Float64Array.from(set.std, (s) => 1 / (255 * s));
  const shift = Float64Array.from(set.mean, (m, ch) => -m / set.std[ch]);
  const active = augment && (augment.crop > 0 || augment.flip) ? augment : undefined;
  const scratch = new Uint8Array(active ? pixels : 0);

  function normalize(src: Uint8Array, from: number, x: Float32Array, to: number): void {
    if (c === 1) {
      const s = scale[0];
      const t = shift[0];
      for (let i = 0; i < pixels; i++) x[to + i] = src[from + i] * s + t;
    } else if (c === 3) {
      const [s0, s1, s2] = scale;
      const [t0, t1, t2] = shift;
      for (let i = 0; i < pixels; i += 3) {
        x[to + i] = src[from + i] * s0 + t0;
        x[to + i + 1] = src[from + i + 1] * s1 + t1;
        x[to + i + 2] = src[from + i + 2] * s2 + t2;
      }
    } else {
      for (let i = 0; i < pixels; i += c) {
        for (let ch = 0; ch < c; ch++) x[to + i + ch] = src[from + i + ch] * scale[ch] + shift[ch];
      }
    }
  }

  /** `rng` is the epoch's augmentation stream; images draw from it in batch order. */
  return function gather(indices: Int32Array, rng: Rng | undefined): PreparedBatch {
    const x = new Float32Array(indices.length * pixels);
    const y = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const source = indices[b] * pixels;
      if (active && rng) {
        applyAugmentation(set.images, source, scratch, 0, set.shape, drawAugmentation(active, rng));
        normalize(scratch, 0, x, b * pixels);
      } else {
        normalize(set.images, source, x, b * pixels);
      }
      y[b] = set.labels[indices[b]];
    }
    return { x, y };
  };
}

/** Runs `work` on a later turn of the event loop, so it can overlap the consumer's waiting; never rejects. */
function later<T>(work: () => T): { result: Promise<{ value: T } | { error: unknown }>; cancel: () => void } {
  let handle: NodeJS.Immediate | undefined;
  const result = new Promise<{ value: T } | { error: unknown }>((resolve) => {
    handle = setImmediate(() => {
      try {
        resolve({ value: work() });
      } catch (error) {
        resolve({ error });
      }
    });
  });
  return { result, cancel: () => clearImmediate(handle) };
}

export function createBatchSource(set: ImageSet, options: BatchOptions): BatchSource {
  checkImageSet(set, 'batch source');
  const count = set.labels.length;
  checkOptions(set, options, count);
  const { batchSize, dropLast } = options;
  const [h, w, c] = set.shape;
  const prefetch = options.prefetch ?? true;
  const gather = makeGatherer(set, options.augment);
  const stepsPerEpoch = () => (dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize));
  const toBatch = ({ x, y }: PreparedBatch): Batch => ({ x: tf.tensor4d(x, [y.length, h, w, c]), y: tf.tensor1d(y, 'int32') });

  async function* batches(epoch: number): AsyncGenerator<Batch> {
    const order = Int32Array.from({ length: count }, (_, i) => i);
    if (options.shuffle) new Rng(options.seed).fork(`epoch-${epoch}`).shuffle(order);
    const augmentRng = options.augment ? new Rng(options.seed).fork(`augment-${epoch}`) : undefined;
    const steps = stepsPerEpoch();
    const prepare = (s: number) => gather(order.subarray(s * batchSize, Math.min(count, (s + 1) * batchSize)), augmentRng);
    if (!prefetch) {
      for (let s = 0; s < steps; s++) yield toBatch(prepare(s));
      return;
    }
    if (steps === 0) return;
    let pending: ReturnType<typeof later<PreparedBatch>> | undefined;
    try {
      let current = prepare(0);
      for (let s = 0; ; s++) {
        // Each buffer becomes a tensor's storage, so the next batch gets a fresh one.
        pending = s + 1 < steps ? later(() => prepare(s + 1)) : undefined;
        yield toBatch(current);
        if (!pending) return;
        const done = await pending.result;
        pending = undefined;
        if ('error' in done) throw done.error;
        current = done.value;
      }
    } finally {
      // A consumer that stops early drops the pending batch before it is computed.
      pending?.cancel();
    }
  }
  return { count, batchSize, stepsPerEpoch, batches };
}
