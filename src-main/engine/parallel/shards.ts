import type { ImageSet } from '../../data/batches';

/** Rank r of W takes rows [floor(r·n/W), floor((r+1)·n/W)): contiguous, sizes differ by at most one. */
export function rowRange(rows: number, rank: number, worldSize: number): [number, number] {
  return [Math.floor((rank * rows) / worldSize), Math.floor(((rank + 1) * rows) / worldSize)];
}

function shared<T extends Uint8Array | Int32Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const copy = new (array.constructor as { new (buffer: SharedArrayBuffer): T })(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}

/**
 * The set with its pixels and labels in SharedArrayBuffers, so every worker reads the same memory:
 * copied once here unless they already are shared.
 */
export function shareImageSet(set: ImageSet): ImageSet {
  return { ...set, images: shared(set.images), labels: shared(set.labels), mean: [...set.mean], std: [...set.std] };
}

/** This rank's contiguous part of the set: views, no copy. */
export function shardImageSet(set: ImageSet, rank: number, worldSize: number): ImageSet {
  const [start, end] = rowRange(set.labels.length, rank, worldSize);
  const pixels = set.shape[0] * set.shape[1] * set.shape[2];
  return { ...set, images: set.images.subarray(start * pixels, end * pixels), labels: set.labels.subarray(start, end) };
}
