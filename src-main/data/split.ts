import { Rng } from '../../shared/rng';
import type { DecodedDataset, RawSplit, SplitName } from './dataset';

export interface SplitOptions {
  /** Share of each class moved from train to val when the source has no val split. */
  valFraction: number;
  /** Share of each class moved from train to test when the source has no test split (single-root image folders). */
  testFraction: number;
  seed: number;
}

export const DEFAULT_SPLIT_OPTIONS: SplitOptions = { valFraction: 0.1, testFraction: 0.1, seed: 0 };

export interface CarvedSplits {
  splits: Partial<Record<SplitName, RawSplit>> & { train: RawSplit };
  /** The splits made here rather than read from the source, for the manifest. */
  carved: SplitName[];
}

/**
 * Assigns every index to one of `fractions.length + 1` parts, class by class: in each class the
 * images are shuffled with a stream forked from the seed and the class, then the first
 * round(n * fraction) go to each carved part in turn; the rest stay. Indices within each part keep
 * their source order, so the result depends only on (labels, fractions, seed).
 */
export function stratifiedPartition(labels: ArrayLike<number>, fractions: number[], seed: number): Int32Array[] {
  const total = fractions.reduce((a, b) => a + b, 0);
  fractions.forEach((f, i) => {
    if (!(f >= 0 && f < 1)) throw new Error(`stratifiedPartition: fraction ${i} must be in [0, 1), got ${f}`);
  });
  if (total >= 1) throw new Error(`stratifiedPartition: fractions add up to ${total}; some images must stay in train`);

  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]);
    if (members) members.push(i);
    else byClass.set(labels[i], [i]);
  }
  const partOf = new Int32Array(labels.length).fill(fractions.length);
  const rng = new Rng(seed);
  for (const [label, members] of byClass) {
    rng.fork(`class-${label}`).shuffle(members);
    let start = 0;
    fractions.forEach((fraction, part) => {
      const take = Math.round(members.length * fraction);
      for (let k = start; k < start + take; k++) partOf[members[k]] = part;
      start += take;
    });
  }
  const sizes = new Array<number>(fractions.length + 1).fill(0);
  for (const part of partOf) sizes[part]++;
  const parts = sizes.map((size) => new Int32Array(size));
  const filled = new Array<number>(parts.length).fill(0);
  for (let i = 0; i < partOf.length; i++) parts[partOf[i]][filled[partOf[i]]++] = i;
  return parts;
}

/** Copies the chosen images and labels of a split into a new split. */
export function takeImages(split: RawSplit, indices: Int32Array, imageBytes: number): RawSplit {
  const images = new Uint8Array(indices.length * imageBytes);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const from = indices[k] * imageBytes;
    images.set(split.images.subarray(from, from + imageBytes), k * imageBytes);
    labels[k] = split.labels[indices[k]];
  }
  return { images, labels };
}

/**
 * Carves the splits the source lacks out of train: test when there is none (a single-root image
 * folder), and val when there is none and valFraction > 0. Splits the source has are kept as read.
 */
export function carveSplits(dataset: DecodedDataset, options: SplitOptions = DEFAULT_SPLIT_OPTIONS): CarvedSplits {
  const { train, val, test } = dataset.splits;
  const wanted: { name: SplitName; fraction: number }[] = [];
  if (!test && options.testFraction > 0) wanted.push({ name: 'test', fraction: options.testFraction });
  if (!val && options.valFraction > 0) wanted.push({ name: 'val', fraction: options.valFraction });
  if (wanted.length === 0) return { splits: { ...dataset.splits }, carved: [] };

  const [h, w, c] = dataset.shape;
  const parts = stratifiedPartition(train.labels, wanted.map((s) => s.fraction), options.seed);
  const splits: CarvedSplits['splits'] = { ...dataset.splits, train: takeImages(train, parts[wanted.length], h * w * c) };
  wanted.forEach((s, i) => {
    splits[s.name] = takeImages(train, parts[i], h * w * c);
  });
  return { splits, carved: wanted.map((s) => s.name) };
}
