import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary, TemperEvent, TrainRequest } from '../../shared/api';
import { parseTrainConfig, type TrainConfig } from '../../shared/config';
import { checkRunName } from '../../shared/names';
import { APP_VERSION } from '../../shared/version';
import { checkDatasetName, datasetDir, MANIFEST_FILE } from '../data/cache';
import { recoverCheckpoint, settleCheckpoint } from '../engine/checkpoint-files';
import { checkModelSpec } from '../engine/models/fit';
import type { StepProgress } from '../../shared/metrics';
import { datasetRecordOf } from '../store/datasets';
import type { RunOwner } from '../store/lifecycle';
import { openStore, type SqliteStore } from '../store/store';
import type { RunRecord } from '../store/types';
import { TrainerPool } from '../trainer/pool';
import { type Job, type JobEvent, runKey, type TrainJob } from '../trainer/protocol';
import { ClusterService } from './cluster/clusters';
import { DatasetService } from './datasets';
import { readSettings } from './settings';
import { explainStorageError } from './storage-errors';

export type { RunSummary, TrainRequest };

/**
 * A run whose process died stops sending heartbeats (every progress report, about every 10 steps);
 * after this long without one it is marked interrupted. Runs of a dead process on this host are
 * found at once by their owner pid.
 */
export const STALE_HEARTBEAT_MS = 10 * 60_000;
/** How often the owner of running runs looks for cancel requests from other processes, and for queued runs. */
const POLL_MS = 250;
/** Step metrics are written in one transaction per this interval, not one per report. */
const FLUSH_MS = 1000;

let commit: string | null | undefined;

/** The checkout's commit when Temper runs from a git checkout, for the run's reproducibility record; asked of git once. */
function gitCommit(): string | null {
  if (commit === undefined) commit = readGitCommit();
  return commit;
}

function readGitCommit(): string | null {
  try {
    const root = path.resolve(import.meta.dirname, '../..');
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where a run keeps its files: checkpoint and exports. */
export function runDir(home: string, id: number): string {
  return path.join(home, 'runs', String(id));
}

export const checkpointDir = (home: string, id: number) => path.join(runDir(home, id), 'checkpoint');

interface Waiter {
  resolve: (summary: RunSummary) => void;
  onProgress?: (p: StepProgress) => void;
}

export interface SubmitOptions {
  groupId?: number;
  /** Claim the run for this process at once (foreground training), so no queue host takes it. */
  claim?: boolean;
  /** Called with the new run's id inside the transaction that stores it (a cluster run's bundle link). */
  link?: (id: number) => void;
}

/**
 * Runs: validated configs become rows in the store; this process trains the runs it claims on
 * its trainer pool (worker threads) and is the only writer of their metrics. Other processes
 * reach a run through its row: cancel requests, and the queue that `serveQueue` drains.
 */
export class RunService {
  readonly store: SqliteStore;
  readonly datasets: DatasetService;
  readonly owner: RunOwner = { pid: process.pid, host: os.hostname() };
  private pool: TrainerPool | undefined;
  private readonly active = new Map<number, Waiter>();
  private readonly listeners = new Set<(event: TemperEvent) => void>();
  private readonly pendingSteps = new Map<number, StepProgress[]>();
  private readonly jobHandlers = new Map<string, (event: JobEvent) => void>();
  /** Runs whose events the store could not record; each fails with this error when it stops. */
  private readonly writeFailures = new Map<number, unknown>();
  private pollTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private servingQueue = false;
  private closed = false;

  constructor(readonly home: string) {
    this.store = openStore(home);
    this.datasets = new DatasetService(home);
    const orphans = this.store.interruptOrphans(this.owner.host, isProcessAlive);
    this.store.abandonSharpnessOrphans(this.owner.host, isProcessAlive);
    const stale = this.store.markStaleRunsInterrupted(STALE_HEARTBEAT_MS);
    // A process killed while saving a checkpoint leaves its staging or previous copy behind.
    for (const id of [...orphans, ...stale]) settleCheckpoint(checkpointDir(home, id), isProcessAlive);
  }

  onEvent(listener: (event: TemperEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TemperEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Cancels what this process trains (each stops within a step and keeps its last checkpoint) and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.servingQueue = false;
    clearInterval(this.pollTimer);
    await this.pool?.close();
    this.flushSteps();
    clearInterval(this.flushTimer);
    this.store.close();
  }

  async registerDataset(name: string) {
    const manifest = await this.datasets.show(name);
    this.store.upsertDataset(datasetRecordOf(manifest, path.join(datasetDir(this.home, name), MANIFEST_FILE)));
    return manifest;
  }

  /** One rule for the CLI and the API: the store refuses while runs use the dataset (naming them); only then does the cache go. */
  async removeDataset(name: string): Promise<void> {
    if (this.store.getDataset(checkDatasetName(name))) this.store.removeDataset(name);
    await this.datasets.remove(name);
  }

  private checkParent(id: number, config: TrainConfig, dataset: string): RunRecord {
    const parent = this.store.getRun(id);
    if (!parent) throw new Error(`initFrom: no run ${id}`);
    if (parent.status !== 'completed') throw new Error(`initFrom: run ${id} is ${parent.status}; start from a completed run`);
    if (parent.model !== config.model) throw new Error(`initFrom: run ${id} trained a ${parent.model}, this run builds a ${config.model}`);
    if (parent.dataset !== dataset) throw new Error(`initFrom: run ${id} trained on '${parent.dataset}', this run on '${dataset}'`);
    return parent;
  }

  /** Validates a request and stores it `queued` (or claimed); nothing is stored when it is invalid. */
  async submit(request: TrainRequest, options: SubmitOptions = {}): Promise<number> {
    const config = parseTrainConfig(request.config);
    if (request.name !== undefined) checkRunName(request.name);
    const manifest = await this.registerDataset(request.dataset);
    // A model that cannot take the dataset's images fails here, before a run is stored.
    checkModelSpec({ name: config.model, inputShape: manifest.shape, numClasses: manifest.classes.length });
    if (request.initFrom !== undefined) this.checkParent(request.initFrom, config, request.dataset);
    return this.store.transaction(() => {
      const id = this.store.insertRun({
        config,
        dataset: request.dataset,
        name: request.name ?? null,
        parentId: request.initFrom ?? null,
        groupId: options.groupId ?? null,
        appVersion: APP_VERSION,
        gitCommit: gitCommit(),
        datasetHash: manifest.contentHash,
      });
      if (options.claim) this.store.claimRun(id, this.owner);
      options.link?.(id);
      return id;
    });
  }

  /** Validates, records and trains one run in this process to its end. */
  async train(request: TrainRequest, onProgress?: (p: StepProgress) => void): Promise<RunSummary> {
    const id = await this.submit(request, { claim: true });
    return this.execute(id, onProgress);
  }

  /**
   * Trains a run this process has claimed: from its last checkpoint when it has one (resume),
   * else from scratch or its parent's weights. Resolves when the run has ended.
   */
  async execute(id: number, onProgress?: (p: StepProgress) => void): Promise<RunSummary> {
    const run = this.store.getRun(id);
    if (!run) throw new Error(`no run ${id}`);
    let job: TrainJob;
    try {
      job = await this.jobFor(run);
    } catch (error) {
      this.store.finishRun(id, { status: 'failed', error: (error as Error).message });
      this.emit({ type: 'run-status', id, status: 'failed', error: (error as Error).message });
      return this.summary(id);
    }
    this.emit({ type: 'run-status', id, status: 'running', error: null });
    const done = new Promise<RunSummary>((resolve) => this.active.set(id, { resolve, onProgress }));
    this.startPolling();
    this.poolFor().submit(job);
    return done;
  }

  private async jobFor(run: RunRecord): Promise<TrainJob> {
    const manifest = await this.datasets.show(run.dataset);
    const settings = readSettings(this.home);
    const checkpoint = checkpointDir(this.home, run.id);
    // This process has claimed the run, so no one else is saving its checkpoint: a half-swapped one is put back.
    const resume = this.store.latestCheckpoint(run.id) !== undefined && recoverCheckpoint(checkpoint);
    return {
      kind: 'train',
      key: runKey(run.id),
      runId: run.id,
      config: run.config,
      backend: run.config.backend === 'auto' ? settings.backend : run.config.backend,
      home: this.home,
      dataset: run.dataset,
      format: manifest.format,
      checkpointDir: checkpoint,
      resumeFrom: resume ? checkpoint : undefined,
      initFrom: !resume && run.parentId !== null ? checkpointDir(this.home, run.parentId) : undefined,
      threads: settings.threadsPerRun,
      progressEvery: 10,
    };
  }

  private poolFor(): TrainerPool {
    if (!this.pool) {
      const settings = readSettings(this.home);
      this.pool = new TrainerPool({ backend: settings.backend, cpuWorkers: settings.cpuWorkers }, (event) => this.route(event));
    }
    return this.pool;
  }

  /** Runs another kind of job (sharpness) on this process's pool; its events go to `handler`. */
  submitJob(job: Job, handler: (event: JobEvent) => void): void {
    this.jobHandlers.set(job.key, handler);
    this.poolFor().submit(job);
  }

  cancelJob(key: string): boolean {
    return this.pool?.cancel(key) ?? false;
  }

  private route(event: JobEvent): void {
    const handler = this.jobHandlers.get(event.key);
    if (handler) {
      if (event.type === 'dropped' || event.type === 'failed' || event.type === 'sharpness-done' || event.type === 'done') this.jobHandlers.delete(event.key);
      handler(event);
    } else {
      const id = Number(event.key.slice('run:'.length));
      const earlier = this.writeFailures.get(id);
      try {
        if (earlier !== undefined && (event.type === 'done' || event.type === 'failed' || event.type === 'dropped')) throw earlier;
        this.onRunEvent(id, event);
      } catch (error) {
        this.onStoreFailure(id, event, error);
      }
    }
  }

  /**
   * The store refused a write (a full disk, most likely): the run stops at its next step, and
   * whoever waits for it hears why, even if its row cannot record it.
   */
  private onStoreFailure(id: number, event: JobEvent, error: unknown): void {
    const message = explainStorageError(error, this.home).message;
    this.pendingSteps.delete(id);
    if (event.type !== 'done' && event.type !== 'failed' && event.type !== 'dropped') {
      this.writeFailures.set(id, error);
      this.pool?.cancel(runKey(id));
      return;
    }
    this.writeFailures.delete(id);
    try {
      this.store.finishRun(id, { status: 'failed', error: message });
    } catch {
      // The row keeps saying running; the next open marks it interrupted, and it can be resumed.
    }
    const waiter = this.active.get(id);
    this.active.delete(id);
    waiter?.resolve({ id, status: 'failed', final: null, best: null, parent: null, dropVsParent: null, error: message });
    this.emit({ type: 'run-status', id, status: 'failed', error: message });
  }

  /** Pool events of a training run become store writes (this thread is the only writer) and app events. */
  private onRunEvent(id: number, event: JobEvent): void {
    switch (event.type) {
      case 'started':
        this.store.recordBackend(id, event.backend, event.device);
        break;
      case 'progress': {
        const pending = this.pendingSteps.get(id) ?? [];
        pending.push(event.progress);
        this.pendingSteps.set(id, pending);
        this.flushTimer ??= setInterval(() => this.flushSteps(), FLUSH_MS);
        const { epoch, step, totalSteps, loss, imagesPerSec } = event.progress;
        this.active.get(id)?.onProgress?.(event.progress);
        this.emit({ type: 'run-progress', id, epoch, step, totalSteps, loss, imagesPerSec });
        break;
      }
      case 'epoch': {
        this.flushSteps();
        this.store.appendEpochMetrics(id, event.metrics);
        const { epoch, trainLoss, test } = event.metrics;
        this.emit({ type: 'run-epoch', id, epoch, trainLoss, testLoss: test.loss, testTop1: test.top1 });
        break;
      }
      case 'checkpoint':
        this.store.addCheckpoint({ runId: id, epoch: event.epoch, path: event.dir, bytes: event.bytes });
        break;
      case 'done':
      case 'dropped':
      case 'failed': {
        this.flushSteps();
        if (event.type === 'dropped') {
          this.store.finishRun(id, { status: 'cancelled' });
        } else if (event.type === 'done') {
          const finished = event.status === 'completed';
          // A cancelled run keeps the accuracy of its last finished epoch as its final one.
          const recorded = this.store.epochCurves([id])[0]?.testTop1 ?? [];
          const last = recorded.at(-1) ?? null;
          // A resumed run trained only its last epochs: the best is over every recorded epoch.
          const best = Math.max(event.bestTop1 ?? -Infinity, ...recorded.filter((t): t is number => t !== null));
          this.store.finishRun(id, { status: event.status, finalTop1: finished ? event.finalTop1 : last, bestTop1: Number.isFinite(best) ? best : null });
        } else {
          this.store.finishRun(id, { status: 'failed', error: event.message });
        }
        const summary = this.summary(id);
        this.emit({ type: 'run-status', id, status: summary.status, error: summary.error });
        const waiter = this.active.get(id);
        this.active.delete(id);
        waiter?.resolve(summary);
        break;
      }
    }
  }

  private flushSteps(): void {
    if (this.pendingSteps.size === 0) return;
    this.store.transaction(() => {
      for (const [id, points] of this.pendingSteps) {
        this.store.appendStepMetrics(id, points);
        this.store.heartbeat(id);
      }
    });
    this.pendingSteps.clear();
  }

  /** Cancel requests from other processes reach the pool; a queue host also claims queued runs. */
  private startPolling(): void {
    this.pollTimer ??= setInterval(() => this.poll(), POLL_MS);
  }

  private poll(): void {
    for (const id of this.store.cancelRequests(this.owner)) {
      if (this.active.has(id)) this.pool?.cancel(runKey(id));
    }
    if (this.servingQueue) {
      while (this.pool === undefined || this.pool.hasFreeSlot) {
        const id = this.store.claimNextQueued(this.owner);
        if (id === undefined) break;
        void this.execute(id);
      }
    }
  }

  /** Trains queued runs (from this app, the CLI's --detach or a sweep) as the pool has room, until close(). */
  serveQueue(): void {
    this.servingQueue = true;
    this.startPolling();
    this.poll();
  }

  /** True while this process trains or has queued work in its pool. */
  get busy(): boolean {
    return this.active.size > 0;
  }

  /**
   * Cancels a run: a queued run at once; a running one stops before its next step, wherever it
   * trains (this process now, another process at its next poll), keeping its last checkpoint.
   */
  cancel(id: number): 'cancelled' | 'requested' {
    const run = this.store.getRun(id);
    if (!run) throw new Error(`no run ${id}`);
    if (this.store.clusters.bundleOf(id)?.cluster) {
      new ClusterService(this).cancel(id);
      return 'cancelled';
    }
    const outcome = this.store.requestCancel(id);
    if (outcome === 'not-active') throw new Error(`run ${id} is ${run.status}; only a queued or running run can be cancelled`);
    if (outcome === 'cancelled') this.emit({ type: 'run-status', id, status: 'cancelled', error: null });
    else if (this.active.has(id)) this.pool?.cancel(runKey(id));
    return outcome;
  }

  /** Queues an interrupted or cancelled run again; it continues from its last checkpoint. */
  requeue(id: number): void {
    const run = this.store.getRun(id);
    if (!run) throw new Error(`no run ${id}`);
    if (this.store.clusters.bundleOf(id)?.cluster) {
      new ClusterService(this).resume(id);
      return;
    }
    if (!this.store.requeueRun(id)) throw new Error(`run ${id} is ${run.status}; only an interrupted or cancelled run can be resumed`);
    this.emit({ type: 'run-status', id, status: 'queued', error: null });
  }

  /** Resumes a run in this process and waits for it. */
  async resume(id: number, onProgress?: (p: StepProgress) => void): Promise<RunSummary> {
    if (this.store.clusters.bundleOf(id)?.cluster) throw new Error(`run ${id} trains on a cluster: resume it with --detach (a new Slurm submission)`);
    this.requeue(id);
    if (!this.store.claimRun(id, this.owner)) throw new Error(`run ${id} was claimed by another process`);
    return this.execute(id, onProgress);
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
}
