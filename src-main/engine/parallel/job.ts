import type { BatchOptions, ImageSet } from '../../data/batches';
import type { EpochMetrics, StepProgress } from '../../../shared/metrics';
import type { TrainJob } from '../train';
import type { CollectiveBuffers } from './collective';

/**
 * A training job for several worker threads. A BatchSource cannot cross threads, so the job
 * carries the images themselves (shared, not copied, with every worker) and the options each
 * worker builds its own sources from.
 */
export interface ParallelTrainJob extends Omit<TrainJob, 'data' | 'train' | 'test' | 'val'> {
  /** Training images and batching; every replica walks the same batches and takes its rows of each. */
  train: { set: ImageSet; options: BatchOptions };
  /** Evaluation images, split into one contiguous shard per replica. */
  test: { set: ImageSet; options: BatchOptions };
  /** The val split, sharded like test; null when the dataset has none. */
  val?: { set: ImageSet; options: BatchOptions } | null;
}

/** One replica's state, for checks that replicas agree and do not leak tensors. */
export interface ReplicaState {
  rank: number;
  step: number;
  /** Hash of the trainable variables' bits: identical on every replica after each step. */
  trainableHash: string;
  numTensors: number;
}

export interface ParallelOptions {
  /** Worker threads, one replica each; at most the batch size. */
  workers: number;
  /** How long a replica waits for the others at a barrier before failing (default 10 minutes). */
  barrierTimeoutMs?: number;
  /** Receives every replica's state every `replicaStateEvery` steps (costs a readback of all weights). */
  onReplicaState?: (state: ReplicaState) => void;
  replicaStateEvery?: number;
}

/** What each worker thread is started with (its workerData). */
export interface ReplicaInit {
  rank: number;
  worldSize: number;
  job: ParallelTrainJob;
  /** Int32 word 0: set to 1 by the coordinator to cancel. */
  cancel: SharedArrayBuffer;
  barrierTimeoutMs: number;
  replicaStateEvery: number;
}

export type ReplicaStatus = 'completed' | 'cancelled';

/** Messages from a worker; only rank 0 sends progress, epoch and checkpoint. */
export type ReplicaMessage =
  /** The model is built: its size decides the shared buffers the coordinator then sends. */
  | { type: 'ready'; capacity: number }
  | { type: 'progress'; progress: StepProgress }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'checkpoint'; dir: string; epoch: number }
  | { type: 'state'; state: ReplicaState }
  | { type: 'done'; status: ReplicaStatus }
  /** `aborted`: this replica stopped because another failed; `divergence`: a DivergenceError. */
  | { type: 'failed'; message: string; stack?: string; aborted: boolean; divergence: boolean };

/** The coordinator's answer once every replica is ready. */
export interface StartMessage {
  type: 'start';
  collective: CollectiveBuffers;
}
