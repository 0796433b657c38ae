import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src-main/data/dataset';
import { detectFormat, readDataset } from '../../../src-main/data/formats';
import { cifarRecords, idxBytes, makeTempDir, writeCifar10Folder, writeFile, writeImage, writeTarGz } from './fixtures';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.remove());

function writeIdx(dir: string): void {
  writeFile(join(dir, 'train-images-idx3-ubyte.gz'), idxBytes(0x803, [1, 2, 2], [1, 2, 3, 4]));
  writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), idxBytes(0x801, [1], [0]));
}

function writeCifar100(dir: string): void {
  writeFile(join(dir, 'train.bin'), cifarRecords([[1, 0]]));
  writeFile(join(dir, 'test.bin'), cifarRecords([[0, 1]]));
  writeFile(join(dir, 'fine_label_names.txt'), 'apple\nbee\n');
  writeFile(join(dir, 'coarse_label_names.txt'), 'food\nanimals\n');
}

describe('detectFormat', () => {
  it('tells IDX, CIFAR-10, CIFAR-100 and image folders apart', async () => {
    writeIdx(join(tmp.dir, 'mnist'));
    writeCifar10Folder(join(tmp.dir, 'c10'));
    writeCifar10Folder(join(tmp.dir, 'c10-parent/cifar-10-batches-bin'));
    writeCifar100(join(tmp.dir, 'c100-parent/cifar-100-binary'));
    await writeImage(join(tmp.dir, 'pets/cat/1.png'), 2, 2, 3, () => 0);
    expect(detectFormat(join(tmp.dir, 'mnist'))).toBe('idx');
    expect(detectFormat(join(tmp.dir, 'c10'))).toBe('cifar10');
    expect(detectFormat(join(tmp.dir, 'c10-parent'))).toBe('cifar10');
    expect(detectFormat(join(tmp.dir, 'c100-parent'))).toBe('cifar100');
    expect(detectFormat(join(tmp.dir, 'pets'))).toBe('image-folder');
  });

  it('takes a .tar.gz for CIFAR, by its name', () => {
    expect(detectFormat(writeFile(join(tmp.dir, 'cifar-100-binary.tar.gz'), 'x'))).toBe('cifar100');
    expect(detectFormat(writeFile(join(tmp.dir, 'cifar-10-binary.tar.gz'), 'x'))).toBe('cifar10');
  });

  it('rejects a path that does not exist, naming it', () => {
    const missing = join(tmp.dir, 'nowhere');
    expect(() => detectFormat(missing)).toThrow(DatasetError);
    expect(() => detectFormat(missing)).toThrow(`${missing}: does not exist`);
  });

  it('lists what it looked for when a folder has no known format', () => {
    writeFile(join(tmp.dir, 'readme.txt'), 'hello');
    expect(() => detectFormat(tmp.dir)).toThrow(/not a dataset Temper can read: looked for train-images-idx3-ubyte.*data_batch_1.bin.*train.bin.*class subfolders/);
  });

  it('points at the binary version when given the Python version of CIFAR', () => {
    writeFile(join(tmp.dir, 'cifar-10-batches-py/data_batch_1'), 'pickle');
    expect(() => detectFormat(tmp.dir)).toThrow(/Python version of CIFAR/);
  });

  it('rejects a plain file that is not an archive', () => {
    expect(() => detectFormat(writeFile(join(tmp.dir, 'data.csv'), 'a,b'))).toThrow(/is a file; expected a dataset folder/);
  });
});

describe('readDataset', () => {
  it('detects and reads IDX', async () => {
    writeIdx(tmp.dir);
    const data = await readDataset(tmp.dir);
    expect(data.format).toBe('idx');
    expect(Array.from(data.splits.train.images)).toEqual([1, 2, 3, 4]);
  });

  it('passes the CIFAR-100 label set through', async () => {
    writeCifar100(tmp.dir);
    const data = await readDataset(tmp.dir, { cifar100Labels: 'coarse' });
    expect(data.classes).toEqual(['food', 'animals']);
    expect((await readDataset(tmp.dir)).classes).toEqual(['apple', 'bee']);
  });

  it('reads a CIFAR archive whatever its name says, unless a format was asked for', async () => {
    const src = writeCifar10Folder(join(tmp.dir, 'src'));
    const names = ['batches.meta.txt', 'test_batch.bin', ...[1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`)];
    const archive = await writeTarGz(
      join(tmp.dir, 'download.tgz'),
      names.map((name) => ({ name, bytes: readFileSync(join(src, name)) })),
    );
    expect((await readDataset(archive)).format).toBe('cifar10');
    await expect(readDataset(archive, { format: 'cifar100' })).rejects.toThrow(/holds cifar10, but the format asked for is cifar100/);
  });

  it('passes the image folder options through', async () => {
    await writeImage(join(tmp.dir, 'cat/1.png'), 6, 6, 3, () => 100);
    const data = await readDataset(tmp.dir, { size: [3, 3], fit: 'pad', channels: 1 });
    expect(data.shape).toEqual([3, 3, 1]);
    expect(data.notes.fit).toMatch(/^pad/);
  });

  it('rejects a path that does not exist even when the format is given', async () => {
    const missing = join(tmp.dir, 'gone');
    await expect(readDataset(missing, { format: 'idx' })).rejects.toThrow(`${missing}: does not exist`);
  });
});
