import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../../shared/config';
import type { EpochMetrics } from '../../shared/metrics';
import { openStore, type SqliteStore } from '../../src-main/store/store';
import type { DatasetRecord, NewRun } from '../../src-main/store/types';

export function tempHome(prefix = 'temper-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function dataset(name: string): DatasetRecord {
  return {
    name,
    format: 'idx',
    shape: [28, 28, 1],
    classes: ['a', 'b'],
    counts: { train: 10, test: 2 },
    contentHash: `hash-${name}`,
    manifestPath: `/nowhere/${name}/manifest.json`,
    createdAt: 1,
  };
}

/** A store in a temporary home with the datasets 'fmnist' and 'cifar10' registered. */
export function storeWithDatasets(home: string): SqliteStore {
  const store = openStore(home);
  store.upsertDataset(dataset('fmnist'));
  store.upsertDataset(dataset('cifar10'));
  return store;
}

export function newRun(config: Partial<TrainConfigInput> = {}, extra: Partial<NewRun> = {}): NewRun {
  return { config: parseTrainConfig({ model: 'cnn-small', epochs: 3, ...config }), dataset: 'fmnist', ...extra };
}

/**
 * Epoch metrics whose values are derived from the epoch, so curves can be checked exactly; val top-1
 * equals the test one unless given (null: a dataset without a val split).
 */
export function epochMetrics(epoch: number, top1 = epoch / 100, layers = 0, valTop1: number | null = top1): EpochMetrics {
  return {
    epoch,
    step: epoch * 10,
    trainLoss: 1 / epoch,
    trainTop1: top1 - 0.01,
    test: { loss: 2 / epoch, top1, top5: Math.min(1, top1 + 0.1), count: 100 },
    val: valTop1 === null ? null : { loss: 2.5 / epoch, top1: valTop1, top5: Math.min(1, valTop1 + 0.1), count: 50 },
    lr: 0.1,
    lambda: 1 / epoch,
    seconds: 1.5,
    imagesPerSec: 1000,
    stepsAtFloor: [],
    layers: Array.from({ length: layers }, (_, i) => ({
      layer: `conv${i}`,
      weight: { step: 0.01 * (i + 1), meanAbsError: 0.25, clipFraction: 0.01 },
      input: i === 0 ? null : { step: 0.02, meanAbsError: 0.24, clipFraction: 0.02 },
    })),
  };
}

/**
 * A fresh store with the fixture datasets, in its own temporary home, for each test of the
 * enclosing suite; closed and removed after it. Tests read it as `t.store`.
 */
export function storePerTest(): { readonly store: SqliteStore } {
  const current = {} as { store: SqliteStore; home: string };
  beforeEach(() => {
    current.home = tempHome();
    current.store = storeWithDatasets(current.home);
  });
  afterEach(() => {
    current.store.close();
    fs.rmSync(current.home, { recursive: true, force: true });
  });
  return current;
}
