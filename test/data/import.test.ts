import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSplit, readManifest } from '../../src-main/data/cache';
import { DatasetError } from '../../src-main/data/dataset';
import { defaultDatasetName, importDataset } from '../../src-main/data/import';
import { idxBytes, writeIdxFolder } from '../helpers/idx-folder';

// Lets one test make the last stage before the rename fail.
const thumbnails = vi.hoisted(() => ({ fail: false }));
vi.mock('../../src-main/data/thumbnails', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src-main/data/thumbnails')>();
  return {
    ...real,
    writeThumbnails: (...args: Parameters<typeof real.writeThumbnails>) =>
      thumbnails.fail ? Promise.reject(new Error('disk full')) : real.writeThumbnails(...args),
  };
});

let tmp: string;
let home: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-import-'));
  home = path.join(tmp, 'home');
  thumbnails.fail = false;
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const datasetsFolder = () => (fs.existsSync(path.join(home, 'datasets')) ? fs.readdirSync(path.join(home, 'datasets')) : []);

describe('importDataset', () => {
  it('imports an IDX folder: carves val, measures train, writes cache, thumbnails and manifest', async () => {
    const source = path.join(tmp, 'digits');
    writeIdxFolder(source, { train: 60, test: 12, gzip: true });
    const progress: number[] = [];
    const manifest = await importDataset(source, { name: 'digits', seed: 3 }, home, (done) => progress.push(done));

    expect(manifest).toMatchObject({ name: 'digits', format: 'idx', source, shape: [8, 8, 1], classes: ['0', '1', '2'], carvedSplits: ['val'] });
    expect(manifest.splits.train).toEqual({ count: 54, perClass: [18, 18, 18] });
    expect(manifest.splits.val).toEqual({ count: 6, perClass: [2, 2, 2] });
    expect(manifest.splits.test).toEqual({ count: 12, perClass: [4, 4, 4] });
    expect(manifest.importOptions).toMatchObject({ valFraction: 0.1, seed: 3 });
    expect(manifest.contentHash).toMatch(/^sha256:/);
    expect(progress.length).toBeGreaterThan(0);

    const train = loadSplit(home, 'digits', 'train');
    const pixels = Array.from(train.images, (v) => v / 255);
    const mean = pixels.reduce((a, b) => a + b, 0) / pixels.length;
    expect(manifest.mean[0]).toBeCloseTo(mean, 10);
    for (let k = 0; k < train.labels.length; k++) {
      // writeIdxFolder: pixel value (label * 20 + n) % 256 with label n % 3.
      const n = (train.images[k * 64] - train.labels[k] * 20 + 256) % 256;
      expect(n % 3).toBe(train.labels[k]);
    }
    const dir = path.join(home, 'datasets', 'digits');
    expect(readManifest(dir)).toEqual(manifest);
    expect(fs.statSync(path.join(dir, 'thumbnails.png')).size).toBeGreaterThan(0);
    expect(datasetsFolder()).toEqual(['digits']);
  });

  it('carves both test and val from a single-root image folder', async () => {
    const source = path.join(tmp, 'Pets Photos');
    for (const [label, value] of [['cat', 40], ['dog', 200]] as const) {
      fs.mkdirSync(path.join(source, label), { recursive: true });
      for (let n = 0; n < 10; n++) {
        const pixels = Buffer.alloc(6 * 6 * 3, value + n);
        await sharp(pixels, { raw: { width: 6, height: 6, channels: 3 } }).png().toFile(path.join(source, label, `${n}.png`));
      }
    }
    const manifest = await importDataset(source, {}, home);
    expect(manifest.name).toBe('pets-photos');
    expect(manifest).toMatchObject({ format: 'image-folder', shape: [6, 6, 3], classes: ['cat', 'dog'], carvedSplits: ['test', 'val'] });
    expect([manifest.splits.train.count, manifest.splits.val?.count, manifest.splits.test?.count]).toEqual([16, 2, 2]);
  });

  it('refuses a one-class image folder, saying what it found, and registers nothing', async () => {
    const source = path.join(tmp, 'only-cats');
    fs.mkdirSync(path.join(source, 'cat'), { recursive: true });
    for (let n = 0; n < 4; n++) await sharp(Buffer.alloc(6 * 6 * 3, n * 50), { raw: { width: 6, height: 6, channels: 3 } }).png().toFile(path.join(source, 'cat', `${n}.png`));
    const error = await importDataset(source, {}, home).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe(`${source}: found 1 class (cat); a dataset needs 2 to 256`);
    expect(datasetsFolder()).toEqual([]);
  });

  it('leaves nothing behind when an IDX file is broken', async () => {
    const source = path.join(tmp, 'broken');
    writeIdxFolder(source, { train: 30, test: 6 });
    const file = path.join(source, 'train-images-idx3-ubyte');
    const bytes = fs.readFileSync(file);
    bytes.writeUInt32BE(0x0803_0000, 0);
    fs.writeFileSync(file, bytes);

    const error = await importDataset(source, { name: 'broken' }, home).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toContain(file);
    expect(datasetsFolder()).toEqual([]);
  });

  it('leaves nothing behind when a truncated IDX file fails', async () => {
    const source = path.join(tmp, 'short');
    writeIdxFolder(source, { train: 30, test: 6 });
    const file = path.join(source, 't10k-labels-idx1-ubyte');
    fs.writeFileSync(file, idxBytes([6], new Uint8Array(6)).subarray(0, 10));
    await expect(importDataset(source, {}, home)).rejects.toThrow(file);
    expect(datasetsFolder()).toEqual([]);
  });

  it('removes the staging folder when a late stage fails', async () => {
    const source = path.join(tmp, 'digits');
    writeIdxFolder(source, { train: 30, test: 6 });
    thumbnails.fail = true;
    await expect(importDataset(source, {}, home)).rejects.toThrow('disk full');
    expect(datasetsFolder()).toEqual([]);
  });

  it('refuses a name that exists and keeps the existing dataset', async () => {
    const source = path.join(tmp, 'digits');
    writeIdxFolder(source, { train: 30, test: 6 });
    const first = await importDataset(source, { name: 'd' }, home);
    await expect(importDataset(source, { name: 'd' }, home)).rejects.toThrow("a dataset named 'd' already exists");
    expect(readManifest(path.join(home, 'datasets', 'd'))).toEqual(first);
    expect(datasetsFolder()).toEqual(['d']);
  });

  it('refuses bad names and fractions before reading anything', async () => {
    await expect(importDataset(tmp, { name: 'no/slash' }, home)).rejects.toThrow("invalid dataset name 'no/slash'");
    await expect(importDataset(tmp, { name: 'ok', valFraction: 0.7 }, home)).rejects.toThrow('valFraction must be at least 0 and below 0.5, got 0.7');
    expect(datasetsFolder()).toEqual([]);
  });
});

describe('defaultDatasetName', () => {
  it('slugifies folder and archive names', () => {
    expect(defaultDatasetName('/data/Fashion MNIST/')).toBe('fashion-mnist');
    expect(defaultDatasetName('/downloads/cifar-10-binary.tar.gz')).toBe('cifar-10-binary');
    expect(defaultDatasetName('/x/__Ünïcode set!')).toBe('unicode-set');
  });

  it('asks for a name when none can be made', () => {
    expect(() => defaultDatasetName('/x/%%%')).toThrow('give the dataset a name');
  });
});
