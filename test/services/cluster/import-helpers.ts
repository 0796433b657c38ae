import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseTrainConfig, type TrainConfigInput } from '../../../shared/config';
import { BUNDLE_FORMAT, type BundleResult, type BundleStatus, type RunBundle, writeBundle } from '../../../src-main/services/cluster/bundle';
import type { SqliteStore } from '../../../src-main/store/store';
import { dataset, epochMetrics } from '../../store/fixtures';

/**
 * Bundles written the way run-bundle leaves them (bundle.json sealed by the real writer, two epochs,
 * step lines, status, result, a checkpoint), for import tests that need no training.
 */

/** 1000 training images at batch 100: 10 steps an epoch, 20 in a 2-epoch run. */
export const TRAIN_IMAGES = 1000;

export function registerDataset(store: SqliteStore): void {
  store.upsertDataset({ ...dataset('fmnist'), counts: { train: TRAIN_IMAGES, test: 100 } });
}

export const jsonl = (records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

export const stepLine = (step: number) => ({ epoch: step <= 10 ? 0 : 1, step, totalSteps: 20, loss: 2 / step, lr: 0.1, lambda: 1, imagesPerSec: 500 });

export function bundleJson(patch: Partial<RunBundle> = {}, config: Partial<TrainConfigInput> = {}): RunBundle {
  return {
    format: BUNDLE_FORMAT,
    version: 1,
    id: randomUUID(),
    name: null,
    config: parseTrainConfig({ model: 'mlp', epochs: 2, batchSize: 100, ...config }),
    dataset: { name: 'fmnist', contentHash: 'hash-fmnist', format: 'idx', checksum: '0'.repeat(64), datasets: '../datasets' },
    parent: null,
    appVersion: 'test',
    createdAt: '2026-12-08T00:00:00.000Z',
    sweep: { id: 'sweep-1', index: 0, tasks: 1, profile: null },
    ...patch,
  };
}

export const statusJson = (patch: Partial<BundleStatus> = {}): BundleStatus => ({
  state: 'completed', host: 'node1', pid: 1, backend: 'wasm', device: 'cpu', epoch: 2, step: 20, totalSteps: 20, checkpointEpoch: 2, heartbeatAt: '', ...patch,
});

export const resultJson = (patch: Partial<BundleResult> = {}): BundleResult => ({
  status: 'completed', finalTop1: 0.02, bestTop1: 0.02, error: null, signal: null, backend: 'wasm', device: 'cpu', finishedAt: '', ...patch,
});

/** A finished bundle in `dir`; returns its (sealed) bundle.json. */
export function writeFinishedBundle(dir: string, patch: Partial<RunBundle> = {}, config: Partial<TrainConfigInput> = {}): RunBundle {
  const bundle = writeBundle(dir, bundleJson(patch, config));
  fs.writeFileSync(path.join(dir, 'epochs.jsonl'), jsonl([epochMetrics(1), epochMetrics(2)]));
  fs.writeFileSync(path.join(dir, 'steps.jsonl'), jsonl([stepLine(10), stepLine(20)]));
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify(statusJson()));
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(resultJson()));
  fs.mkdirSync(path.join(dir, 'checkpoint'));
  fs.writeFileSync(path.join(dir, 'checkpoint', 'checkpoint.json'), '{}');
  return bundle;
}

/** Every row an import could have written, for "nothing was stored". */
export function storedRows(store: SqliteStore): Record<string, number> {
  const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return Object.fromEntries(['runs', 'run_bundles', 'run_events', 'epoch_metrics', 'step_metrics', 'layer_stats', 'checkpoints'].map((t) => [t, count(t)]));
}
