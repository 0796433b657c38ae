import type { SharpnessValues } from '../../shared/records';
import type { SubsetIdentity } from '../../shared/test-set';
import type { BackendChoice, TrainConfig } from '../../shared/config';
import type { DatasetFormat } from '../data/dataset';
import type { SharpnessParams } from '../engine/sharpness';
import type { EpochMetrics, StepProgress } from '../../shared/metrics';

/** Messages between the trainer pool (main thread, the only SQLite writer) and its worker threads. */

interface JobBase {
  /** Unique among the pool's jobs: `run:<id>` or `sharpness:<id>`. Every message about the job carries it. */
  key: string;
  runId: number;
  config: TrainConfig;
  /** Resolved backend choice: the run's own, or the app setting when the run says `auto`. */
  backend: BackendChoice;
  home: string;
  dataset: string;
  checkpointDir: string;
}

export interface TrainJob extends JobBase {
  kind: 'train';
  format: DatasetFormat;
  initFrom?: string;
  resumeFrom?: string;
  /** Threads for a run: data-parallel workers on wasm, OpenMP threads inside the model on onednn. */
  threads: number;
  progressEvery: number;
}

/** Sharpness of a run's final weights (its checkpoint), on a seeded subset of its training images (or held-out ones). */
export interface SharpnessJob extends JobBase {
  kind: 'sharpness';
  sharpnessId: number;
  params: SharpnessParams;
  /** Threads for the Hutchinson trace on the wasm backend (helper threads compute whole samples). */
  threads: number;
}

export type Job = TrainJob | SharpnessJob;

export const runKey = (id: number) => `run:${id}`;
export const sharpnessKey = (id: number) => `sharpness:${id}`;

export type ToWorker =
  /** `cancel` holds one Int32: the job stops at its next step (or unit of work) once it is 1. */
  | { type: 'job'; job: Job; cancel: SharedArrayBuffer }
  | { type: 'shutdown' };

export type FromWorker =
  | { type: 'ready'; backend: string; device: string }
  /** testSet: which test images a training run is evaluated on (a sharpness job has none). */
  | { type: 'started'; key: string; backend: string; device: string; testSet?: SubsetIdentity }
  | { type: 'progress'; key: string; progress: StepProgress }
  | { type: 'epoch'; key: string; metrics: EpochMetrics }
  | { type: 'checkpoint'; key: string; dir: string; epoch: number; bytes: number }
  | { type: 'sharpness-progress'; key: string; done: number; total: number; what: string; unitDone: number; unitTotal: number }
  /** bestTop1: the test top-1 of the epoch (of this job) with the best val top-1; null without a val split. */
  | { type: 'done'; key: string; status: 'completed' | 'cancelled'; finalTop1: number | null; finalLoss: number | null; bestTop1: number | null }
  | { type: 'sharpness-done'; key: string; status: 'completed' | 'cancelled'; result: SharpnessValues }
  | { type: 'failed'; key: string; message: string };

/** What the pool reports: the worker's messages, plus `dropped` for a queued job cancelled before it started. */
export type JobEvent = Exclude<FromWorker, { type: 'ready' }> | { type: 'dropped'; key: string };

export const CPU_BACKENDS = ['wasm', 'cpu'];
