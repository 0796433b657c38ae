import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src-main/data/dataset';
import { readIdx } from '../../../src-main/data/formats/idx';
import { gzip, idxBytes, makeTempDir, writeFile } from './fixtures';

const IMAGES = 0x803;
const LABELS = 0x801;
// Three 2x3 train images and two test images with distinct pixels.
const TRAIN_PIXELS = Array.from({ length: 3 * 6 }, (_, i) => i * 10);
const TRAIN_LABELS = [0, 2, 1];
const TEST_PIXELS = Array.from({ length: 2 * 6 }, (_, i) => 255 - i);
const TEST_LABELS = [1, 1];

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.remove());

function writeMnist(dir: string, options: { gzipped?: boolean; suffix?: string; names?: Partial<Record<string, Buffer>> } = {}): void {
  const encode = (bytes: Buffer) => (options.gzipped ? gzip(bytes) : bytes);
  const suffix = options.suffix ?? '';
  const files: Record<string, Buffer> = {
    'train-images-idx3-ubyte': idxBytes(IMAGES, [3, 2, 3], TRAIN_PIXELS),
    'train-labels-idx1-ubyte': idxBytes(LABELS, [3], TRAIN_LABELS),
    't10k-images-idx3-ubyte': idxBytes(IMAGES, [2, 2, 3], TEST_PIXELS),
    't10k-labels-idx1-ubyte': idxBytes(LABELS, [2], TEST_LABELS),
  };
  for (const [name, bytes] of Object.entries({ ...files, ...options.names })) {
    writeFile(join(dir, name + suffix), encode(bytes!));
  }
}

async function expectDatasetError(promise: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DatasetError);
  expect((err as DatasetError).file).toBe(file);
  expect((err as Error).message).toMatch(problem);
}

describe('readIdx', () => {
  it('reads raw IDX files with exact pixel values, labels and digit class names', async () => {
    writeMnist(tmp.dir);
    const data = await readIdx(tmp.dir);
    expect(data.format).toBe('idx');
    expect(data.shape).toEqual([2, 3, 1]);
    expect(data.classes).toEqual(['0', '1', '2']);
    expect(Array.from(data.splits.train.images)).toEqual(TRAIN_PIXELS);
    expect(Array.from(data.splits.train.labels)).toEqual(TRAIN_LABELS);
    expect(Array.from(data.splits.test!.images)).toEqual(TEST_PIXELS);
    expect(Array.from(data.splits.test!.labels)).toEqual(TEST_LABELS);
    expect(data.sourceFiles).toHaveLength(4);
    expect(data.splits.val).toBeUndefined();
  });

  it('reads gzipped files (.gz names) to the same values', async () => {
    writeMnist(tmp.dir, { gzipped: true, suffix: '.gz' });
    const data = await readIdx(tmp.dir);
    expect(Array.from(data.splits.train.images)).toEqual(TRAIN_PIXELS);
    expect(Array.from(data.splits.test!.labels)).toEqual(TEST_LABELS);
    expect(data.sourceFiles.every((f) => f.endsWith('.gz'))).toBe(true);
  });

  it('detects gzip by its magic bytes, not by the name', async () => {
    writeMnist(tmp.dir, { gzipped: true });
    const data = await readIdx(tmp.dir);
    expect(Array.from(data.splits.train.images)).toEqual(TRAIN_PIXELS);
  });

  it('accepts the dotted names (train-images.idx3-ubyte)', async () => {
    writeFile(join(tmp.dir, 'train-images.idx3-ubyte'), idxBytes(IMAGES, [3, 2, 3], TRAIN_PIXELS));
    writeFile(join(tmp.dir, 'train-labels.idx1-ubyte'), idxBytes(LABELS, [3], TRAIN_LABELS));
    const data = await readIdx(tmp.dir);
    expect(data.splits.train.labels).toHaveLength(3);
    expect(data.splits.test).toBeUndefined();
  });

  it('takes class names from classes.txt', async () => {
    writeMnist(tmp.dir);
    writeFile(join(tmp.dir, 'classes.txt'), 'zero\none\ntwo\nthree\n');
    const data = await readIdx(tmp.dir);
    expect(data.classes).toEqual(['zero', 'one', 'two', 'three']);
    expect(data.sourceFiles).toContain(join(tmp.dir, 'classes.txt'));
  });

  it('rejects a wrong magic number, saying what it found and expected', async () => {
    writeMnist(tmp.dir, { names: { 'train-images-idx3-ubyte': idxBytes(0x802, [3, 6], TRAIN_PIXELS) } });
    await expectDatasetError(readIdx(tmp.dir), join(tmp.dir, 'train-images-idx3-ubyte'), /magic number is 0x00000802, expected 0x00000803/);
  });

  it('rejects a truncated images file', async () => {
    writeMnist(tmp.dir, { names: { 'train-images-idx3-ubyte': idxBytes(IMAGES, [3, 2, 3], TRAIN_PIXELS.slice(0, 17)) } });
    await expectDatasetError(readIdx(tmp.dir), join(tmp.dir, 'train-images-idx3-ubyte'), /truncated.*needs 18 data bytes, found 17/);
  });

  it('rejects a file cut inside its header', async () => {
    writeMnist(tmp.dir, { names: { 't10k-labels-idx1-ubyte': idxBytes(LABELS, [2], []).subarray(0, 6) } });
    await expectDatasetError(readIdx(tmp.dir), join(tmp.dir, 't10k-labels-idx1-ubyte'), /truncated: the header needs 8 bytes, found 6/);
  });

  it('rejects a label count that differs from the image count', async () => {
    writeMnist(tmp.dir, { names: { 'train-labels-idx1-ubyte': idxBytes(LABELS, [2], [0, 1]) } });
    await expectDatasetError(readIdx(tmp.dir), join(tmp.dir, 'train-labels-idx1-ubyte'), /has 2 labels, but .*train-images-idx3-ubyte has 3 images/);
  });

  it('rejects labels beyond the classes listed in classes.txt', async () => {
    writeMnist(tmp.dir);
    writeFile(join(tmp.dir, 'classes.txt'), 'zero\none\n');
    await expectDatasetError(readIdx(tmp.dir), join(tmp.dir, 'train-labels-idx1-ubyte'), /label 1 is 2, but classes.txt lists 2 classes/);
  });

  it('rejects test labels outside the train classes', async () => {
    writeMnist(tmp.dir, { names: { 't10k-labels-idx1-ubyte': idxBytes(LABELS, [2], [1, 7]) } });
    await expectDatasetError(readIdx(tmp.dir), join(tmp.dir, 't10k-labels-idx1-ubyte'), /label 1 is 7, but the train labels give 3 classes/);
  });

  it('rejects test images of another size than the train images', async () => {
    writeMnist(tmp.dir, { names: { 't10k-images-idx3-ubyte': idxBytes(IMAGES, [2, 3, 2], TEST_PIXELS) } });
    await expectDatasetError(readIdx(tmp.dir), join(tmp.dir, 't10k-images-idx3-ubyte'), /images are 3x2, but the train images are 2x3/);
  });

  it('rejects a gzip that fails to inflate, naming the file', async () => {
    writeMnist(tmp.dir, { gzipped: true, suffix: '.gz' });
    const file = join(tmp.dir, 'train-labels-idx1-ubyte.gz');
    writeFile(file, gzip(idxBytes(LABELS, [3], TRAIN_LABELS)).subarray(0, 12));
    await expectDatasetError(readIdx(tmp.dir), file, /not a valid gzip file: /);
  });

  it('stops inflating a gzip bomb at the size its header implies, naming the limit', async () => {
    writeMnist(tmp.dir, { gzipped: true, suffix: '.gz' });
    const file = join(tmp.dir, 'train-images-idx3-ubyte.gz');
    // 36 bytes of header and pixels, then 256 MiB of zeros that compress to about 250 KB.
    const header = idxBytes(IMAGES, [3, 2, 3], TRAIN_PIXELS);
    writeFile(file, gzip(Buffer.concat([header, Buffer.alloc(256 << 20)])));
    const err = (await readIdx(tmp.dir).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/inflates past the 34 bytes its header implies \(size limit; stopped after (\d+) bytes\)/);
    expect(Number(/stopped after (\d+)/.exec(err.message)![1])).toBeLessThan(1 << 20);
  });

  it('refuses a header that claims more than an IDX file may hold, before inflating', async () => {
    writeMnist(tmp.dir, { gzipped: true, suffix: '.gz' });
    const file = join(tmp.dir, 'train-images-idx3-ubyte.gz');
    writeFile(file, gzip(idxBytes(IMAGES, [4_000_000, 28, 28], [])));
    await expectDatasetError(readIdx(tmp.dir), file, /header \(4000000x28x28\) claims 3136000000 data bytes, more than the 2147483648 an IDX file may hold \(size limit\)/);
  });

  it('without classes.txt, refuses labels that are not 0..N-1 each present, listing the labels found', async () => {
    writeMnist(tmp.dir, { names: { 'train-labels-idx1-ubyte': idxBytes(LABELS, [3], [0, 1, 255]) } });
    await expectDatasetError(
      readIdx(tmp.dir),
      join(tmp.dir, 'train-labels-idx1-ubyte'),
      /has labels 0, 1, 255: without classes.txt the labels must be 0\.\.N-1 with each present, and 2, 3, .* \(253 in all\) are missing/,
    );
    writeFile(join(tmp.dir, 'classes.txt'), Array.from({ length: 256 }, (_, i) => `c${i}`).join('\n'));
    expect((await readIdx(tmp.dir)).classes).toHaveLength(256);
  });

  it('names the labels file that is missing', async () => {
    writeFile(join(tmp.dir, 'train-images-idx3-ubyte'), idxBytes(IMAGES, [3, 2, 3], TRAIN_PIXELS));
    await expect(readIdx(tmp.dir)).rejects.toThrow(/train-labels-idx1-ubyte\[\.gz\]: is missing/);
  });

  it('rejects a folder without train images, or one that does not exist', async () => {
    await expectDatasetError(readIdx(tmp.dir), tmp.dir, /has no train-images-idx3-ubyte/);
    await expectDatasetError(readIdx(join(tmp.dir, 'nope')), join(tmp.dir, 'nope'), /cannot be listed/);
  });

  it('reports progress per file', async () => {
    writeMnist(tmp.dir);
    const calls: [number, number][] = [];
    await readIdx(tmp.dir, (done, total) => calls.push([done, total]));
    expect(calls.at(-1)).toEqual([4, 4]);
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';

// In CI (.ci/run installs the package) a missing folder must fail rather than skip.
describe.skipIf(!existsSync(FASHION) && !process.env.CI)('readIdx on the installed Fashion-MNIST', () => {
  it('reads 60,000 train and 10,000 test images of 28x28x1, 6,000 per train class', async () => {
    const data = await readIdx(FASHION);
    expect(data.shape).toEqual([28, 28, 1]);
    expect(data.splits.train.labels).toHaveLength(60_000);
    expect(data.splits.train.images).toHaveLength(60_000 * 28 * 28);
    expect(data.splits.test!.labels).toHaveLength(10_000);
    expect(data.classes).toHaveLength(10);
    const perClass = new Array<number>(10).fill(0);
    for (const label of data.splits.train.labels) perClass[label]++;
    expect(perClass).toEqual(new Array<number>(10).fill(6_000));
  });
});
