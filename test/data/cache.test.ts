import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CACHE_FORMAT_VERSION,
  type DatasetManifest,
  datasetDir,
  loadSplit,
  readManifest,
  writeManifest,
  writeSplitFiles,
} from '../../src-main/data/cache';
import type { RawSplit } from '../../src-main/data/dataset';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-cache-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const SHAPE: [number, number, number] = [2, 3, 3];

function split(count: number, offset: number): RawSplit {
  return {
    images: Uint8Array.from({ length: count * 18 }, (_, i) => (i + offset) % 256),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 2),
  };
}

function manifest(counts: { train: number; test: number }): DatasetManifest {
  return {
    cacheFormat: CACHE_FORMAT_VERSION,
    name: 'tiny',
    format: 'image-folder',
    source: '/data/tiny',
    shape: SHAPE,
    classes: ['cat', 'dog'],
    splits: { train: { count: counts.train, perClass: [3, 2] }, test: { count: counts.test, perClass: [1, 1] } },
    carvedSplits: [],
    mean: [0.5, 0.4, 0.3],
    std: [0.2, 0.2, 0.2],
    contentHash: 'sha256:00',
    importOptions: { valFraction: 0.1, testFraction: 0.1, seed: 0 },
    skipped: [],
    notes: { fit: 'crop' },
    appVersion: '0.0.0',
    createdAt: new Date(0).toISOString(),
  };
}

async function writeTiny(): Promise<{ dir: string; train: RawSplit; test: RawSplit }> {
  const dir = datasetDir(home, 'tiny');
  fs.mkdirSync(dir, { recursive: true });
  const train = split(5, 0);
  const test = split(2, 100);
  await writeSplitFiles(dir, { train, test });
  await writeManifest(dir, manifest({ train: 5, test: 2 }));
  return { dir, train, test };
}

describe('dataset cache', () => {
  it('round-trips splits through the cache files', async () => {
    const { train, test } = await writeTiny();
    const loaded = loadSplit(home, 'tiny', 'train');
    expect(loaded.images).toEqual(train.images);
    expect(loaded.labels).toEqual(train.labels);
    expect(loaded).toMatchObject({ shape: SHAPE, numClasses: 2, mean: [0.5, 0.4, 0.3], std: [0.2, 0.2, 0.2] });
    expect(loadSplit(home, 'tiny', 'test').images).toEqual(test.images);
  });

  it('names a truncated pixel file and what it expected', async () => {
    const { dir } = await writeTiny();
    const file = path.join(dir, 'train.bin');
    fs.truncateSync(file, 50);
    expect(() => loadSplit(home, 'tiny', 'train')).toThrow(`${file}: cache file is truncated: 50 bytes, the manifest implies 90`);
  });

  it('names a missing labels file', async () => {
    const { dir } = await writeTiny();
    fs.rmSync(path.join(dir, 'test.labels'));
    expect(() => loadSplit(home, 'tiny', 'test')).toThrow(`${path.join(dir, 'test.labels')}: cache file is missing`);
  });

  it('says which splits exist when asked for one that does not', async () => {
    await writeTiny();
    expect(() => loadSplit(home, 'tiny', 'val')).toThrow("dataset 'tiny' has no 'val' split (it has train, test)");
  });

  it('names the bad field of an invalid manifest, and an old cache format', async () => {
    const { dir } = await writeTiny();
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, JSON.stringify({ ...manifest({ train: 5, test: 2 }), shape: [2, 3] }));
    expect(() => readManifest(dir)).toThrow(/manifest.json: invalid manifest: shape/);
    fs.writeFileSync(file, JSON.stringify({ ...manifest({ train: 5, test: 2 }), cacheFormat: 0 }));
    expect(() => readManifest(dir)).toThrow(/cache format 0, this version of Temper reads format 1; import the dataset again/);
  });

  it('refuses names that could leave the datasets folder', () => {
    expect(() => datasetDir(home, '../etc')).toThrow("invalid dataset name '../etc'");
    expect(() => loadSplit(home, '', 'train')).toThrow("invalid dataset name ''");
  });
});
