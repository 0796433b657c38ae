import { describe, expect, it } from 'vitest';
import type { DecodedDataset, RawSplit } from '../../src-main/data/dataset';
import { carveSplits, stratifiedPartition } from '../../src-main/data/split';

/** Class sizes 100, 50 and 30, interleaved. */
function labelsWithSizes(sizes: number[]): Uint8Array {
  const labels: number[] = [];
  sizes.forEach((size, label) => labels.push(...Array<number>(size).fill(label)));
  for (let i = labels.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  return Uint8Array.from(labels);
}

function classCounts(labels: ArrayLike<number>, indices: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const i of indices) counts[labels[i]]++;
  return counts;
}

/** A train split whose image n is 2x2x1 pixels all equal to n, labelled n % 3. */
function dataset(count: number, withTest: boolean): DecodedDataset {
  const split = (n: number): RawSplit => ({
    images: Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4)),
    labels: Uint8Array.from({ length: n }, (_, i) => i % 3),
  });
  return {
    format: 'idx',
    shape: [2, 2, 1],
    classes: ['a', 'b', 'c'],
    splits: withTest ? { train: split(count), test: split(9) } : { train: split(count) },
    sourceFiles: [],
    skipped: [],
    notes: {},
  };
}

describe('stratifiedPartition', () => {
  const labels = labelsWithSizes([100, 50, 30]);

  it('takes the fraction from every class, rounded per class', () => {
    const [val, train] = stratifiedPartition(labels, [0.1], 7);
    expect(classCounts(labels, val, 3)).toEqual([10, 5, 3]);
    expect(classCounts(labels, train, 3)).toEqual([90, 45, 27]);
  });

  it('gives disjoint parts that cover every index, each in source order', () => {
    const parts = stratifiedPartition(labels, [0.2, 0.1], 3);
    const all = parts.flatMap((p) => Array.from(p)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: labels.length }, (_, i) => i));
    for (const part of parts) expect(Array.from(part)).toEqual(Array.from(part).sort((a, b) => a - b));
    expect(classCounts(labels, parts[0], 3)).toEqual([20, 10, 6]);
    expect(classCounts(labels, parts[1], 3)).toEqual([10, 5, 3]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = stratifiedPartition(labels, [0.1], 42);
    const b = stratifiedPartition(labels, [0.1], 42);
    const c = stratifiedPartition(labels, [0.1], 43);
    expect(Array.from(a[0])).toEqual(Array.from(b[0]));
    expect(Array.from(a[0])).not.toEqual(Array.from(c[0]));
  });

  it('refuses fractions that would empty train', () => {
    expect(() => stratifiedPartition(labels, [0.6, 0.5], 0)).toThrow(/add up to 1.1/);
    expect(() => stratifiedPartition(labels, [-0.1], 0)).toThrow(/fraction 0 must be in \[0, 1\)/);
  });
});

describe('carveSplits', () => {
  it('carves only val when the source has a test split, keeping images with their labels', () => {
    const { splits, carved } = carveSplits(dataset(60, true), { valFraction: 0.1, testFraction: 0.1, seed: 1 });
    expect(carved).toEqual(['val']);
    expect(splits.test!.labels.length).toBe(9);
    expect(splits.val!.labels.length).toBe(6);
    expect(splits.train.labels.length).toBe(54);
    const seen = new Set<number>();
    for (const split of [splits.train, splits.val!]) {
      split.labels.forEach((label, k) => {
        const n = split.images[k * 4];
        expect(split.images.subarray(k * 4, k * 4 + 4)).toEqual(new Uint8Array(4).fill(n));
        expect(label).toBe(n % 3);
        seen.add(n);
      });
    }
    expect(seen.size).toBe(60);
  });

  it('carves test and val from a source that has only train', () => {
    const { splits, carved } = carveSplits(dataset(90, false), { valFraction: 0.1, testFraction: 0.2, seed: 1 });
    expect(carved).toEqual(['test', 'val']);
    expect([splits.train.labels.length, splits.val!.labels.length, splits.test!.labels.length]).toEqual([63, 9, 18]);
    expect(Array.from(splits.test!.labels).filter((l) => l === 0).length).toBe(6);
  });

  it('keeps the splits as read when nothing is missing or valFraction is 0', () => {
    const source = dataset(30, true);
    const { splits, carved } = carveSplits(source, { valFraction: 0, testFraction: 0.1, seed: 1 });
    expect(carved).toEqual([]);
    expect(splits.train).toBe(source.splits.train);
    expect(splits.val).toBeUndefined();
  });
});
