import { Rng } from '../../shared/rng';
import type { ImageSet } from './batches';
import { takeImages } from './split';

/** The first `limit` images after a shuffle seeded by `seed` (all of them when limit is null). */
export function seededSubset(set: ImageSet, limit: number | null | undefined, seed: number): ImageSet {
  if (limit == null || limit >= set.labels.length) return set;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  const order = new Rng(seed).fork('subset').shuffle(Int32Array.from({ length: set.labels.length }, (_, i) => i));
  const [h, w, c] = set.shape;
  const { images, labels } = takeImages({ images: set.images, labels: Uint8Array.from(set.labels) }, order.subarray(0, limit), h * w * c);
  return { ...set, images, labels };
}
