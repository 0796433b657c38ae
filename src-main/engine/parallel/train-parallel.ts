import type { Worker } from 'node:worker_threads';
import { bestOf, DivergenceError, type EpochMetrics, type TrainHooks, type TrainResult } from '../train';
import { abortBarrier } from './barrier';
import { allocateCollective, type CollectiveBuffers } from './collective';
import type { ParallelOptions, ParallelTrainJob, ReplicaInit, ReplicaMessage, ReplicaStatus, StartMessage } from './job';
import { shareImageSet } from './shards';
import { startWorker } from '../workers/start';

const DEFAULT_BARRIER_TIMEOUT_MS = 10 * 60_000;
/** How often the coordinator asks hooks.shouldStop between replica messages. */
const CANCEL_POLL_MS = 25;

function checkParallelJob(job: ParallelTrainJob, options: ParallelOptions): void {
  const { workers } = options;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`trainParallel: workers must be a positive integer, got ${workers}`);
  const { batchSize, dropLast } = job.train.options;
  if (batchSize < workers) throw new Error(`trainParallel: batch size ${batchSize} is smaller than the ${workers} workers; each needs at least one row`);
  const last = job.train.set.labels.length % batchSize;
  if (!dropLast && last > 0 && last < workers) {
    throw new Error(`trainParallel: the last training batch has ${last} images, fewer than the ${workers} workers; set dropLast or change the batch size`);
  }
}

/** The worker's error, as an Error of this thread (a DivergenceError stays one). */
function workerError(message: Extract<ReplicaMessage, { type: 'failed' }>): Error {
  const error = message.divergence ? new DivergenceError(message.message) : new Error(message.message);
  if (message.stack) error.stack = message.stack;
  return error;
}

/**
 * train() over `options.workers` worker threads, one model replica each, synchronous data
 * parallelism: every step each replica computes gradients on its share of the batch, the
 * gradients are averaged, and all replicas apply the same update. Same hooks and result as
 * train(); progress, epochs and checkpoints come from replica 0. Rejects with the first
 * replica error, after every worker thread has ended. Workers train on the wasm backend whatever
 * config.backend says: it is the CPU backend that can run once per thread.
 */
export function trainParallel(job: ParallelTrainJob, hooks: TrainHooks, options: ParallelOptions): Promise<TrainResult> {
  try {
    checkParallelJob(job, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<TrainResult>((resolve, reject) => new Coordinator(job, hooks, options, resolve, reject).start());
}

/** The main-thread side of a data-parallel run: starts the replicas, relays rank 0's reports, gathers the end. */
class Coordinator {
  private readonly worldSize: number;
  private readonly threads: Worker[] = [];
  private readonly capacities: number[] = [];
  private readonly statuses: (ReplicaStatus | undefined)[] = [];
  private readonly reported: boolean[] = [];
  private readonly epochs: EpochMetrics[] = [];
  private readonly cancelFlag: Int32Array;
  private readonly poll: NodeJS.Timeout;
  private collective: CollectiveBuffers | undefined;
  private failure: Error | undefined;
  /** A replica that stopped because another failed; reported only if no cause turns up. */
  private knockOn: Error | undefined;
  private exited = 0;

  constructor(
    private readonly job: ParallelTrainJob,
    private readonly hooks: TrainHooks,
    private readonly options: ParallelOptions,
    private readonly resolve: (result: TrainResult) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.worldSize = options.workers;
    this.cancelFlag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    this.poll = setInterval(() => this.pollCancel(), CANCEL_POLL_MS);
  }

  start(): void {
    const sharedJob: ParallelTrainJob = {
      ...this.job,
      train: { ...this.job.train, set: shareImageSet(this.job.train.set) },
      test: { ...this.job.test, set: shareImageSet(this.job.test.set) },
      val: this.job.val && { ...this.job.val, set: shareImageSet(this.job.val.set) },
    };
    try {
      for (let rank = 0; rank < this.worldSize; rank++) {
        const init: ReplicaInit = {
          rank,
          worldSize: this.worldSize,
          job: sharedJob,
          cancel: this.cancelFlag.buffer as SharedArrayBuffer,
          barrierTimeoutMs: this.options.barrierTimeoutMs ?? DEFAULT_BARRIER_TIMEOUT_MS,
          replicaStateEvery: this.options.replicaStateEvery ?? 0,
        };
        this.watch(rank, startWorker('replica-worker', init));
      }
    } catch (error) {
      // The threads already started end (and are counted) through their exit events.
      this.fail(error as Error);
      if (this.threads.length === 0) this.finish();
    }
  }

  private watch(rank: number, thread: Worker): void {
    this.threads.push(thread);
    thread.on('message', (message: ReplicaMessage) => {
      try {
        this.handle(rank, message);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    thread.on('error', (error) => this.fail(error));
    thread.on('exit', (code) => {
      if (!this.reported[rank]) this.fail(new Error(`trainParallel: worker ${rank} of ${this.worldSize} exited with code ${code} before finishing`));
      // Exit events come after start() has started every thread it could.
      if (++this.exited === this.threads.length) this.finish();
    });
  }

  private handle(rank: number, message: ReplicaMessage): void {
    switch (message.type) {
      case 'ready':
        this.capacities[rank] = message.capacity;
        if (this.capacities.filter((c) => c !== undefined).length === this.worldSize) {
          this.collective = allocateCollective(this.worldSize, Math.max(...this.capacities));
          const start: StartMessage = { type: 'start', collective: this.collective };
          for (const thread of this.threads) thread.postMessage(start);
        }
        return;
      case 'progress':
        this.hooks.onProgress?.(message.progress);
        this.pollCancel();
        return;
      case 'epoch':
        this.epochs.push(message.metrics);
        this.hooks.onEpoch?.(message.metrics);
        return;
      case 'checkpoint':
        this.hooks.onCheckpoint?.(message.dir, message.epoch);
        return;
      case 'state':
        this.options.onReplicaState?.(message.state);
        return;
      case 'done':
        this.statuses[rank] = message.status;
        this.reported[rank] = true;
        void this.threads[rank].terminate();
        return;
      case 'failed':
        this.reported[rank] = true;
        if (message.aborted) this.knockOn ??= workerError(message);
        else this.fail(workerError(message));
        return;
    }
  }

  private pollCancel(): void {
    try {
      if (this.hooks.shouldStop?.()) Atomics.store(this.cancelFlag, 0, 1);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    if (this.collective) abortBarrier(this.collective.barrier);
    for (const thread of this.threads) void thread.terminate();
  }

  private finish(): void {
    clearInterval(this.poll);
    const error = this.failure ?? this.knockOn;
    if (error) {
      this.reject(error);
      return;
    }
    const { epochs } = this;
    this.resolve({ status: this.statuses[0] ?? 'completed', epochs, final: epochs.at(-1)?.test ?? null, best: bestOf(epochs) });
  }
}
