import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_FORMAT_VERSION, type DatasetManifest } from '../../src-main/data/cache';
import { openStore } from '../../src-main/store/store';
import { dataset, newRun, tempHome } from './fixtures';

let home: string;
beforeEach(() => {
  home = tempHome();
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

function manifest(name: string): DatasetManifest {
  return {
    cacheFormat: CACHE_FORMAT_VERSION,
    name,
    format: 'idx',
    source: '/data/src',
    shape: [8, 8, 1],
    classes: ['0', '1', '2'],
    splits: { train: { count: 30, perClass: [10, 10, 10] }, test: { count: 6, perClass: [2, 2, 2] } },
    carvedSplits: [],
    mean: [0.5],
    std: [0.25],
    contentHash: `sha256-${name}`,
    importOptions: { valFraction: 0, testFraction: 0, seed: 0 },
    skipped: [],
    notes: {},
    appVersion: '0.1.0',
    createdAt: '2025-03-01T12:00:00.000Z',
  };
}

function writeCache(name: string, content: string): string {
  const dir = path.join(home, 'datasets', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'manifest.json'), content);
  return dir;
}

describe('datasets table', () => {
  it('a new store registers the dataset caches already in the data folder', () => {
    writeCache('digits', JSON.stringify(manifest('digits')));
    writeCache('broken', '{');
    fs.mkdirSync(path.join(home, 'datasets', '.staging-abc'));
    const store = openStore(home);
    expect(store.listDatasets()).toEqual([
      {
        name: 'digits',
        format: 'idx',
        shape: [8, 8, 1],
        classes: ['0', '1', '2'],
        counts: { train: 30, test: 6 },
        contentHash: 'sha256-digits',
        manifestPath: path.join(home, 'datasets', 'digits', 'manifest.json'),
        createdAt: Date.parse('2025-03-01T12:00:00.000Z'),
      },
    ]);
    writeCache('shapes', JSON.stringify(manifest('shapes')));
    const report = store.importDatasetCaches(home);
    expect(report.imported).toEqual(['digits', 'shapes']);
    expect(report.skipped).toEqual([{ folder: path.join(home, 'datasets', 'broken'), reason: expect.stringContaining('cannot read the manifest') }]);
    expect(store.listDatasets().map((d) => d.name)).toEqual(['digits', 'shapes']);
    store.close();
  });

  it('imports nothing when the data folder has no datasets yet', () => {
    const store = openStore(home);
    expect(store.importDatasetCaches(home)).toEqual({ imported: [], skipped: [] });
    store.close();
  });

  it('upserts, and refuses to remove a dataset that runs refer to', () => {
    const store = openStore(home);
    store.upsertDataset(dataset('fmnist'));
    store.upsertDataset({ ...dataset('fmnist'), contentHash: 'new' });
    expect(store.getDataset('fmnist')?.contentHash).toBe('new');
    const id = store.insertRun(newRun());
    expect(() => store.removeDataset('fmnist')).toThrow(`removeDataset: dataset 'fmnist' is used by run ${id} (queued); delete those runs first`);
    store.deleteRun(id);
    expect(store.removeDataset('fmnist')).toBe(true);
    expect(store.removeDataset('fmnist')).toBe(false);
    store.close();
  });
});
