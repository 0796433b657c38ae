import type { Worker } from 'node:worker_threads';
import { bestOf, DivergenceError, type EpochMetrics, type TrainHooks, type TrainResult } from '../train';
import { abortBarrier } from './barrier';
import { allocateCollective, type CollectiveBuffers } from './collective';
import type { ParallelOptions, ParallelTrainJob, ReplicaInit, ReplicaMessage, ReplicaStatus, StartMessage } from './job';
import { shareImageSet } from './shards';
import { startWorker } from './start-worker';

/** The replica entry beside this file: worker.ts from source, worker.js when built. */
const WORKER_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
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
  const worldSize = options.workers;
  const sharedJob: ParallelTrainJob = {
    ...job,
    train: { ...job.train, set: shareImageSet(job.train.set) },
    test: { ...job.test, set: shareImageSet(job.test.set) },
  };
  const cancel = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const cancelFlag = new Int32Array(cancel);
  const init = (rank: number): ReplicaInit => ({
    rank,
    worldSize,
    job: sharedJob,
    cancel,
    barrierTimeoutMs: options.barrierTimeoutMs ?? DEFAULT_BARRIER_TIMEOUT_MS,
    replicaStateEvery: options.replicaStateEvery ?? 0,
  });

  return new Promise<TrainResult>((resolve, reject) => {
    const threads: Worker[] = [];
    const capacities: number[] = [];
    const statuses: (ReplicaStatus | undefined)[] = [];
    const reported: boolean[] = [];
    const epochs: EpochMetrics[] = [];
    let collective: CollectiveBuffers | undefined;
    let failure: Error | undefined;
    /** A replica that stopped because another failed; reported only if no cause turns up. */
    let knockOn: Error | undefined;
    let exited = 0;

    const fail = (error: Error) => {
      if (failure) return;
      failure = error;
      if (collective) abortBarrier(collective.barrier);
      for (const thread of threads) void thread.terminate();
    };
    const pollCancel = () => {
      try {
        if (hooks.shouldStop?.()) Atomics.store(cancelFlag, 0, 1);
      } catch (error) {
        fail(error as Error);
      }
    };
    const poll = setInterval(pollCancel, CANCEL_POLL_MS);

    const handle = (rank: number, message: ReplicaMessage) => {
      switch (message.type) {
        case 'ready':
          capacities[rank] = message.capacity;
          if (capacities.filter((c) => c !== undefined).length === worldSize) {
            collective = allocateCollective(worldSize, Math.max(...capacities));
            const start: StartMessage = { type: 'start', collective };
            for (const thread of threads) thread.postMessage(start);
          }
          return;
        case 'progress':
          hooks.onProgress?.(message.progress);
          pollCancel();
          return;
        case 'epoch':
          epochs.push(message.metrics);
          hooks.onEpoch?.(message.metrics);
          return;
        case 'checkpoint':
          hooks.onCheckpoint?.(message.dir, message.epoch);
          return;
        case 'state':
          options.onReplicaState?.(message.state);
          return;
        case 'done':
          statuses[rank] = message.status;
          reported[rank] = true;
          void threads[rank].terminate();
          return;
        case 'failed':
          reported[rank] = true;
          if (message.aborted) knockOn ??= workerError(message);
          else fail(workerError(message));
          return;
      }
    };

    const finish = () => {
      clearInterval(poll);
      const error = failure ?? knockOn;
      if (error) {
        reject(error);
        return;
      }
      resolve({ status: statuses[0] ?? 'completed', epochs, final: epochs.at(-1)?.test ?? null, best: bestOf(epochs) });
    };

    try {
      for (let rank = 0; rank < worldSize; rank++) {
        const thread = startWorker(WORKER_ENTRY, init(rank));
        threads.push(thread);
        thread.on('message', (message: ReplicaMessage) => {
          try {
            handle(rank, message);
          } catch (error) {
            fail(error as Error);
          }
        });
        thread.on('error', (error) => fail(error));
        thread.on('exit', (code) => {
          if (!reported[rank]) fail(new Error(`trainParallel: worker ${rank} of ${worldSize} exited with code ${code} before finishing`));
          // Exit events come after this loop has started every thread it could.
          if (++exited === threads.length) finish();
        });
      }
    } catch (error) {
      // The threads already started end (and are counted) through their exit events.
      fail(error as Error);
      if (threads.length === 0) finish();
    }
  });
}
