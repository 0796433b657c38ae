import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from '../../shared/config';
import { APP_VERSION } from '../../shared/version';
import { defaultAugmentFor } from '../data/augment';
import { type BatchOptions, createBatchSource, type ImageSet } from '../data/batches';
import { datasetDir, MANIFEST_FILE } from '../data/cache';
import type { DatasetFormat } from '../data/dataset';
import { takeImages } from '../data/split';
import { selectBackend } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint';
import { exportModel } from '../engine/export';
import { evaluateExport } from '../engine/export-eval';
import { trainParallel } from '../engine/parallel/train-parallel';
import { Rng } from '../engine/rng';
import { TrainingSession } from '../engine/session';
import { train, type TrainHooks, type TrainResult } from '../engine/train';
import { datasetRecordOf } from '../store/datasets';
import { openStore, type SqliteStore } from '../store/store';
import type { RunRecord } from '../store/types';
import { DatasetService } from './datasets';

/** What `temper train` asks for: a config plus the data it trains on. */
export interface TrainRequest {
  config: TrainConfigInput;
  dataset: string;
  /** A completed run whose weights this run starts from (usually full precision). */
  initFrom?: number;
  /** Seeded subsets, for quick runs. */
  limitTrain?: number;
  limitTest?: number;
  name?: string;
}

export interface RunSummary {
  id: number;
  status: RunRecord['status'];
  final: { testTop1: number; testLoss: number } | null;
  best: { testTop1: number } | null;
  parent: number | null;
  dropVsParent: number | null;
  error: string | null;
}

/**
 * A run whose process died stops sending heartbeats (every progress report, about every 10 steps);
 * after this long without one it is marked interrupted.
 */
export const STALE_HEARTBEAT_MS = 10 * 60_000;

/** The checkout's commit when Temper runs from a git checkout, for the run's reproducibility record. */
function gitCommit(): string | null {
  try {
    const root = path.resolve(import.meta.dirname, '../..');
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

export interface RunProgress {
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
}

/** Where a run keeps its files: checkpoint and exports. */
export function runDir(home: string, id: number): string {
  return path.join(home, 'runs', String(id));
}

const checkpointDir = (home: string, id: number) => path.join(runDir(home, id), 'checkpoint');

/** The first `limit` images after a seeded shuffle (all of them when limit is absent). */
function seededSubset(set: ImageSet, limit: number | undefined, seed: number): ImageSet {
  if (limit === undefined || limit >= set.labels.length) return set;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  const order = new Rng(seed).fork('subset').shuffle(Int32Array.from({ length: set.labels.length }, (_, i) => i));
  const [h, w, c] = set.shape;
  const { images, labels } = takeImages({ images: set.images, labels: Uint8Array.from(set.labels) }, order.subarray(0, limit), h * w * c);
  return { ...set, images, labels };
}

/**
 * Runs: validated configs become rows in the store, train in this process (data-parallel over
 * worker threads on the wasm backend), and report every epoch to the store as they go.
 * The long-lived trainer pool, queueing, cancel and resume arrive with the rest of the runs issue.
 */
export class RunService {
  readonly store: SqliteStore;
  private readonly datasets: DatasetService;

  constructor(readonly home: string) {
    this.store = openStore(home);
    this.datasets = new DatasetService(home);
    this.store.markStaleRunsInterrupted(STALE_HEARTBEAT_MS);
  }

  close(): void {
    this.store.close();
  }

  private async registerDataset(name: string) {
    const manifest = await this.datasets.show(name);
    this.store.upsertDataset(datasetRecordOf(manifest, path.join(datasetDir(this.home, name), MANIFEST_FILE)));
    return manifest;
  }

  private checkParent(id: number, config: TrainConfig, dataset: string): RunRecord {
    const parent = this.store.getRun(id);
    if (!parent) throw new Error(`--init-from: no run ${id}`);
    if (parent.status !== 'completed') throw new Error(`--init-from: run ${id} is ${parent.status}; start from a completed run`);
    if (parent.model !== config.model) throw new Error(`--init-from: run ${id} trained a ${parent.model}, this run builds a ${config.model}`);
    if (parent.dataset !== dataset) throw new Error(`--init-from: run ${id} trained on '${parent.dataset}', this run on '${dataset}'`);
    return parent;
  }

  /** Validates, records and trains one run to the end; the summary is what `temper train --json` prints. */
  async train(request: TrainRequest, onProgress?: (p: RunProgress) => void): Promise<RunSummary> {
    const config = parseTrainConfig(request.config);
    const manifest = await this.registerDataset(request.dataset);
    if (request.initFrom !== undefined) this.checkParent(request.initFrom, config, request.dataset);
    const id = this.store.insertRun({
      config,
      dataset: request.dataset,
      name: request.name ?? null,
      parentId: request.initFrom ?? null,
      appVersion: APP_VERSION,
      gitCommit: gitCommit(),
      datasetHash: manifest.contentHash,
    });
    try {
      const result = await this.execute(id, config, request, manifest.format, onProgress);
      const status = result.status === 'completed' ? 'completed' : 'cancelled';
      this.store.finishRun(id, { status, finalTop1: result.final?.top1 ?? null, bestTop1: result.best?.top1 ?? null });
    } catch (error) {
      this.store.finishRun(id, { status: 'failed', error: (error as Error).message });
    }
    return this.summary(id);
  }

  private async execute(id: number, config: TrainConfig, request: TrainRequest, format: DatasetFormat, onProgress?: (p: RunProgress) => void): Promise<TrainResult> {
    const backend = await selectBackend(config.backend);
    this.store.markRunning(id, { backend: backend.name, device: backend.device });
    const trainSet = seededSubset(this.datasets.loadSplit(request.dataset, 'train'), request.limitTrain, config.seed);
    const testSet = seededSubset(this.datasets.loadSplit(request.dataset, 'test'), request.limitTest, config.seed);
    const trainOptions: BatchOptions = { batchSize: config.batchSize, shuffle: true, seed: config.seed, dropLast: true, augment: defaultAugmentFor(format) };
    const testOptions: BatchOptions = { batchSize: 256, shuffle: false, seed: 0, dropLast: false };
    const checkpoint = checkpointDir(this.home, id);
    const initFrom = request.initFrom === undefined ? undefined : checkpointDir(this.home, request.initFrom);
    const hooks: TrainHooks = {
      onProgress: (p) => {
        this.store.appendStepMetrics(id, [p]);
        this.store.heartbeat(id);
        onProgress?.(p);
      },
      onEpoch: (metrics) => this.store.appendEpochMetrics(id, metrics),
      onCheckpoint: (dir, epoch) => this.store.addCheckpoint({ runId: id, epoch, path: dir, bytes: 0 }),
    };
    const job = { config, checkpointDir: checkpoint, initFrom, progressEvery: 10 };
    // The wasm backend runs one thread per worker: data parallelism is how a run uses every core.
    const workers = Math.min(os.cpus().length, config.batchSize);
    if (backend.name === 'wasm' && workers > 1) {
      return trainParallel({ ...job, train: { set: trainSet, options: trainOptions }, test: { set: testSet, options: testOptions } }, hooks, { workers });
    }
    const data = { inputShape: trainSet.shape, numClasses: trainSet.numClasses };
    return train({ ...job, data, train: createBatchSource(trainSet, trainOptions), test: createBatchSource(testSet, testOptions) }, hooks);
  }

  summary(id: number): RunSummary {
    const run = this.store.getRun(id);
    if (!run) throw new Error(`no run ${id}`);
    const last = this.store.epochCurves([id])[0];
    const final = run.finalTop1 === null ? null : { testTop1: run.finalTop1, testLoss: last?.testLoss.at(-1) ?? NaN };
    return {
      id,
      status: run.status,
      final,
      best: run.bestTop1 === null ? null : { testTop1: run.bestTop1 },
      parent: run.parentId,
      dropVsParent: run.dropVsParent,
      error: run.error,
    };
  }

  /** Writes a completed run's final weights as a deployable quantized model (docs/export-format.md). */
  async exportRun(id: number, out: string): Promise<string> {
    const run = this.store.getRun(id);
    if (!run) throw new Error(`no run ${id}`);
    if (run.status !== 'completed') throw new Error(`run ${id} is ${run.status}; only a completed run can be exported`);
    await selectBackend(run.config.backend);
    const manifest = await this.datasets.show(run.dataset);
    const session = TrainingSession.create(run.config, { inputShape: manifest.shape, numClasses: manifest.classes.length }, 1);
    try {
      session.restore(loadCheckpoint(checkpointDir(this.home, id)), 'resume');
      await exportModel(session.model, out, { normalization: { mean: manifest.mean, std: manifest.std }, classes: manifest.classes, source: { run: id, dataset: run.dataset } });
    } finally {
      session.dispose();
    }
    return path.resolve(out);
  }

  /** Runs an export from its files on a dataset's test split. */
  async evaluateExport(dir: string, dataset: string): Promise<{ testTop1: number; count: number }> {
    await selectBackend('auto');
    const metrics = await evaluateExport(dir, this.datasets.loadSplit(dataset, 'test'));
    return { testTop1: metrics.top1, count: metrics.count };
  }
}
