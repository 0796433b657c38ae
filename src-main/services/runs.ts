import os from 'node:os';
import path from 'node:path';
import type { RunSummary, TemperEvent, TrainRequest } from '../../shared/api';
import { parseTrainConfig, type TrainConfig } from '../../shared/config';
import type { StepProgress } from '../../shared/metrics';
import { checkRunName } from '../../shared/names';
import { APP_VERSION } from '../../shared/version';
import { checkDatasetName, datasetDir, MANIFEST_FILE } from '../data/cache';
import { recoverCheckpoint, settleCheckpoint } from '../engine/checkpoint-files';
import { checkModelSpec } from '../engine/models/fit';
import { datasetRecordOf } from '../store/datasets';
import type { TemperStore } from '../store/interface';
import type { RunOwner } from '../store/lifecycle';
import { openStore } from '../store/store';
import type { RunRecord } from '../store/types';
import { type Job, type JobEvent, runKey, type TrainJob } from '../trainer/protocol';
import { ClusterService } from './cluster/clusters';
import { DatasetService } from './datasets';
import { HistoryService } from './history';
import { checkpointDir, gitCommit, isProcessAlive } from './run-files';
import { RunQueue } from './run-queue';
import { RunRecorder } from './run-recorder';
import { readSettings } from './settings';

export type { RunSummary, TrainRequest };
export { checkpointDir, isProcessAlive, runDir } from './run-files';

/**
 * A run whose process died stops sending heartbeats (every progress report, about every 10 steps);
 * after this long without one it is marked interrupted. Runs of a dead process on this host are
 * found at once by their owner pid.
 */
export const STALE_HEARTBEAT_MS = 10 * 60_000;

export interface SubmitOptions {
  groupId?: number;
  /** Claim the run for this process at once (foreground training), so no queue host takes it. */
  claim?: boolean;
  /** Called with the new run's id inside the transaction that stores it (a cluster run's bundle link). */
  link?: (id: number) => void;
}

/**
 * Runs: validated configs become rows in the store; this process trains the runs it claims on
 * its trainer pool (RunQueue) and is the only writer of their metrics (RunRecorder). Other
 * processes reach a run through its row: cancel requests, and the queue that `serveQueue` drains.
 */
export class RunService {
  readonly store: TemperStore;
  readonly datasets: DatasetService;
  /** Reading and editing the run history: what every front end calls instead of the store. */
  readonly history: HistoryService;
  readonly owner: RunOwner = { pid: process.pid, host: os.hostname() };
  private readonly queue: RunQueue;
  private readonly recorder: RunRecorder;
  private readonly listeners = new Set<(event: TemperEvent) => void>();
  private closed = false;

  /** `store` defaults to the SQLite store in `home`; tests may hand in their own. */
  constructor(
    readonly home: string,
    store: TemperStore = openStore(home),
  ) {
    this.store = store;
    this.datasets = new DatasetService(home);
    this.history = new HistoryService(home, store);
    this.queue = new RunQueue(home, store, this.owner);
    this.recorder = new RunRecorder(home, store, (event) => this.emit(event), (id) => this.queue.cancelRun(id));
    const orphans = store.interruptOrphans(this.owner.host, isProcessAlive);
    store.abandonSharpnessOrphans(this.owner.host, isProcessAlive);
    const stale = store.markStaleRunsInterrupted(STALE_HEARTBEAT_MS);
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
    await this.queue.close();
    this.recorder.close();
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
      this.recorder.failEarly(id, (error as Error).message);
      return this.summary(id);
    }
    this.emit({ type: 'run-status', id, status: 'running', error: null });
    const done = this.recorder.track(id, onProgress);
    this.queue.submit(job, (event) => this.recorder.record(id, event), id);
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

  /** Runs another kind of job (sharpness) on this process's pool; its events go to `handler`. */
  submitJob(job: Job, handler: (event: JobEvent) => void): void {
    this.queue.submit(job, handler);
  }

  /** True when a job submitted now would start at once rather than wait for a trainer worker. */
  get poolHasRoom(): boolean {
    return this.queue.hasFreeSlot;
  }

  cancelJob(key: string): boolean {
    return this.queue.cancel(key);
  }

  /** Trains queued runs (from this app, the CLI's --detach or a sweep) as the pool has room, until close(). */
  serveQueue(): void {
    this.queue.serve((id) => void this.execute(id));
  }

  /** True while this process trains or has queued work in its pool. */
  get busy(): boolean {
    return this.recorder.busy;
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
    else this.queue.cancelRun(id);
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

  /** Claims a queued run for this process (foreground training); false when another process has it. */
  claim(id: number): boolean {
    return this.store.claimRun(id, this.owner);
  }

  /** Resumes a run in this process and waits for it. */
  async resume(id: number, onProgress?: (p: StepProgress) => void): Promise<RunSummary> {
    if (this.store.clusters.bundleOf(id)?.cluster) throw new Error(`run ${id} trains on a cluster: resume it with --detach (a new Slurm submission)`);
    this.requeue(id);
    if (!this.claim(id)) throw new Error(`run ${id} was claimed by another process`);
    return this.execute(id, onProgress);
  }

  summary(id: number): RunSummary {
    return this.recorder.summary(id);
  }
}
