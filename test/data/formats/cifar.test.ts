import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError, type DecodedDataset } from '../../../src-main/data/dataset';
import { planesToHwc, readCifar } from '../../../src-main/data/formats/cifar';
import { CIFAR10_NAMES, cifarPixel, cifarRecords, gzip, makeTempDir, writeCifar10Folder, writeFile, writeTarGz } from './fixtures';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.remove());

const fine = { labels: 'fine' } as const;

async function rejection(promise: Promise<unknown>): Promise<DatasetError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

/** Checks HWC pixels of image `index` against the record number it was generated from. */
function expectCifarImage(images: Uint8Array, index: number, record: number): void {
  for (const [y, x] of [[0, 0], [0, 31], [5, 7], [31, 31]]) {
    for (let c = 0; c < 3; c++) {
      expect(images[index * 3072 + (y * 32 + x) * 3 + c]).toBe(cifarPixel(record, c, y, x));
    }
  }
}

function expectCifar10(data: DecodedDataset): void {
  expect(data.format).toBe('cifar10');
  expect(data.shape).toEqual([32, 32, 3]);
  expect(data.classes).toEqual(CIFAR10_NAMES);
  expect(Array.from(data.splits.train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(data.splits.train.images).toHaveLength(10 * 3072);
  expect(Array.from(data.splits.test!.labels)).toEqual([9, 3, 0]);
  expectCifarImage(data.splits.train.images, 0, 0);
  expectCifarImage(data.splits.train.images, 7, 7);
  expectCifarImage(data.splits.test!.images, 2, 102);
}

describe('planesToHwc', () => {
  it('interleaves R, G and B planes into pixels', () => {
    const planes = Uint8Array.from([1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24]); // 3 planes of 2x2
    const out = new Uint8Array(12);
    planesToHwc(planes, 0, out, 0, 2, 2, 3);
    expect(Array.from(out)).toEqual([1, 11, 21, 2, 12, 22, 3, 13, 23, 4, 14, 24]);
  });
});

describe('readCifar on CIFAR-10', () => {
  it('reads the extracted folder, converting planes to HWC', async () => {
    const data = await readCifar(writeCifar10Folder(tmp.dir), fine);
    expectCifar10(data);
    expect(data.sourceFiles).toHaveLength(7);
  });

  it('reads the parent folder that holds cifar-10-batches-bin/', async () => {
    writeCifar10Folder(join(tmp.dir, 'cifar-10-batches-bin'));
    expectCifar10(await readCifar(tmp.dir, fine));
  });

  it('reads the downloaded .tar.gz directly', async () => {
    const folder = writeCifar10Folder(join(tmp.dir, 'src'));
    const names = ['batches.meta.txt', 'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
    const archive = await writeTarGz(join(tmp.dir, 'cifar-10-binary.tar.gz'), [
      { name: 'cifar-10-batches-bin/readme.html', bytes: '<html></html>' },
      ...names.map((name) => ({ name: `cifar-10-batches-bin/${name}`, bytes: readFileSync(join(folder, name)) })),
    ]);
    const progress: number[] = [];
    const data = await readCifar(archive, fine, (done, total) => progress.push(done / total));
    expectCifar10(data);
    expect(data.sourceFiles).toEqual([archive]);
    expect(progress.at(-1)).toBe(1);
  });

  it('rejects a truncated record file', async () => {
    writeCifar10Folder(tmp.dir);
    const file = join(tmp.dir, 'data_batch_2.bin');
    writeFile(file, readFileSync(file).subarray(0, 3073 + 100));
    const err = await rejection(readCifar(tmp.dir, fine));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/is 3173 bytes, not a whole number of 3073-byte records.*truncated/);
  });

  it('names the files that are missing', async () => {
    writeCifar10Folder(tmp.dir);
    rmSync(join(tmp.dir, 'data_batch_3.bin'));
    rmSync(join(tmp.dir, 'test_batch.bin'));
    const err = await rejection(readCifar(tmp.dir, fine));
    expect(err.message).toBe(`${tmp.dir}: is missing data_batch_3.bin, test_batch.bin`);
  });

  it('rejects a label outside the classes of batches.meta.txt', async () => {
    writeCifar10Folder(tmp.dir);
    writeFile(join(tmp.dir, 'test_batch.bin'), cifarRecords([[1], [10]]));
    const err = await rejection(readCifar(tmp.dir, fine));
    expect(err.file).toBe(join(tmp.dir, 'test_batch.bin'));
    expect(err.message).toMatch(/record 1 has label 10, but batches.meta.txt lists 10 classes/);
  });

  it('rejects an archive that is not CIFAR', async () => {
    const archive = await writeTarGz(join(tmp.dir, 'other.tar.gz'), [{ name: 'data/readme.txt', bytes: 'hello' }]);
    const err = await rejection(readCifar(archive, fine));
    expect(err.message).toMatch(/other.tar.gz: contains none of data_batch_1.bin, train.bin/);
  });

  it('rejects an archive whose gzip fails to inflate', async () => {
    const archive = writeFile(join(tmp.dir, 'cifar-10-binary.tar.gz'), Buffer.from('this is not gzip at all'));
    const err = await rejection(readCifar(archive, fine));
    expect(err.file).toBe(archive);
    expect(err.message).toMatch(/not a valid gzip file: /);
  });

  it('refuses an archive entry larger than the records CIFAR has, naming the entry and the limit', async () => {
    // 40 MB of zeros (about 40 KB compressed): more than a data batch's 10,000 records of 3073 bytes.
    const archive = await writeTarGz(join(tmp.dir, 'cifar-10-binary.tar.gz'), [{ name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: new Uint8Array(40_000_000) }]);
    const err = await rejection(readCifar(archive, fine));
    expect(err.file).toBe(archive);
    expect(err.message).toMatch(/entry cifar-10-batches-bin\/data_batch_1.bin holds 40000000 bytes, more than the 30730000 a data_batch_1.bin may hold \(size limit\)/);
  });

  it('rejects a gzip that holds no tar archive', async () => {
    const archive = writeFile(join(tmp.dir, 'cifar-10-binary.tar.gz'), gzip(Buffer.alloc(2048, 7)));
    const err = await rejection(readCifar(archive, fine));
    expect(err.message).toMatch(/not a valid tar archive: /);
  });

  it('rejects a folder that holds no CIFAR files', async () => {
    const err = await rejection(readCifar(tmp.dir, fine));
    expect(err.message).toMatch(/contains none of data_batch_1.bin, train.bin/);
  });
});

describe('readCifar on CIFAR-100', () => {
  function writeCifar100(dir: string): void {
    // Records are <coarse><fine><pixels>.
    writeFile(join(dir, 'train.bin'), cifarRecords([[0, 3], [1, 0], [1, 4]]));
    writeFile(join(dir, 'test.bin'), cifarRecords([[0, 2]], 50));
    writeFile(join(dir, 'fine_label_names.txt'), 'apple\nbee\ncat\ndog\neel\n');
    writeFile(join(dir, 'coarse_label_names.txt'), 'food\nanimals\n');
  }

  it('uses the fine labels when asked', async () => {
    writeCifar100(join(tmp.dir, 'cifar-100-binary'));
    const data = await readCifar(tmp.dir, { labels: 'fine' });
    expect(data.format).toBe('cifar100');
    expect(data.classes).toEqual(['apple', 'bee', 'cat', 'dog', 'eel']);
    expect(Array.from(data.splits.train.labels)).toEqual([3, 0, 4]);
    expect(Array.from(data.splits.test!.labels)).toEqual([2]);
    expect(data.notes.labels).toBe('fine');
    expectCifarImage(data.splits.train.images, 2, 2);
    expectCifarImage(data.splits.test!.images, 0, 50);
  });

  it('uses the coarse labels when asked', async () => {
    writeCifar100(tmp.dir);
    const data = await readCifar(tmp.dir, { labels: 'coarse' });
    expect(data.classes).toEqual(['food', 'animals']);
    expect(Array.from(data.splits.train.labels)).toEqual([0, 1, 1]);
    expect(data.notes.labels).toBe('coarse');
  });

  it('reads the CIFAR-100 archive', async () => {
    const src = join(tmp.dir, 'src');
    writeCifar100(src);
    const names = ['train.bin', 'test.bin', 'fine_label_names.txt', 'coarse_label_names.txt'];
    const archive = await writeTarGz(
      join(tmp.dir, 'cifar-100-binary.tar.gz'),
      names.map((name) => ({ name: `cifar-100-binary/${name}`, bytes: readFileSync(join(src, name)) })),
    );
    const data = await readCifar(archive, { labels: 'coarse' });
    expect(data.format).toBe('cifar100');
    expect(Array.from(data.splits.train.labels)).toEqual([0, 1, 1]);
  });

  it('rejects a truncated record file with the CIFAR-100 record size', async () => {
    writeCifar100(tmp.dir);
    writeFile(join(tmp.dir, 'test.bin'), cifarRecords([[0, 2]]).subarray(0, 3073));
    const err = await rejection(readCifar(tmp.dir, fine));
    expect(err.message).toMatch(/test.bin: is 3073 bytes, not a whole number of 3074-byte records/);
  });
});
