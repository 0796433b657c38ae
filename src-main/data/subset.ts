import { createHash } from 'node:crypto';
import { Rng } from '../../shared/rng';
import type { SubsetIdentity } from '../../shared/test-set';
import type { ImageSet } from './batches';
import type { SplitName } from './dataset';
import { takeImages } from './split';

/**
 * The seed of every fixed subset (limitTrain, limitTest, limitVal): a constant of the dataset
 * level, never a run's seed, so every run with the same dataset, split and limit sees the same
 * images (method.md §6, Data). The run's seed keeps data order, augmentation, init and noise.
 */
export const SUBSET_SEED = 0;

/**
 * Indices into a split of `total` images of its fixed subset of `limit` images, ascending: the
 * first `limit` after a shuffle forked by the split's name. All of them when limit is null or at
 * least `total`. Depends on (total, limit, split) only.
 */
export function subsetIndices(total: number, limit: number | null | undefined, split: SplitName): Int32Array {
  const all = Int32Array.from({ length: total }, (_, i) => i);
  if (limit == null || limit >= total) return all;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit of the ${split} split must be a positive integer, got ${limit}`);
  return new Rng(SUBSET_SEED).fork(`subset:${split}`).shuffle(all).subarray(0, limit).sort();
}

/** The images at `indices` of `set`, in that order. */
export function takeIndices(set: ImageSet, indices: Int32Array): ImageSet {
  const [h, w, c] = set.shape;
  const { images, labels } = takeImages({ images: set.images, labels: Uint8Array.from(set.labels) }, indices, h * w * c);
  return { ...set, images, labels };
}

/**
 * Which images a subset is: its size and a short hash over the dataset's content hash, the split,
 * its size and the indices. Equal identities mean the same images of the same data.
 */
export function subsetIdentity(contentHash: string, split: SplitName, total: number, indices: Int32Array): SubsetIdentity {
  const hash = createHash('sha256').update(`${contentHash}\0${split}\0${total}\0`).update(new Uint8Array(indices.buffer, indices.byteOffset, indices.byteLength));
  return { images: indices.length, hash: hash.digest('hex').slice(0, 16) };
}

export interface FixedSubset {
  set: ImageSet;
  indices: Int32Array;
  identity: SubsetIdentity;
}

/** The fixed subset of one split (subsetIndices), with its identity: what a run trains or is evaluated on. */
export function fixedSubset(set: ImageSet, limit: number | null | undefined, split: SplitName, contentHash: string): FixedSubset {
  const total = set.labels.length;
  const indices = subsetIndices(total, limit, split);
  return { set: indices.length === total ? set : takeIndices(set, indices), indices, identity: subsetIdentity(contentHash, split, total, indices) };
}

/** The images of a split of `total` outside `indices` (ascending): what a subset held out. */
export function complementIndices(total: number, indices: Int32Array): Int32Array {
  const inside = new Uint8Array(total);
  for (const i of indices) inside[i] = 1;
  const out = new Int32Array(total - indices.length);
  let n = 0;
  for (let i = 0; i < total; i++) if (!inside[i]) out[n++] = i;
  return out;
}
