import type { BackendChoice, TrainConfig } from '../../shared/config';
import type { DatasetFormat } from '../data/dataset';
import type { EpochMetrics, StepProgress } from '../engine/train';

/** Messages between the trainer pool (main thread, the only SQLite writer) and its worker threads. */

export interface TrainJob {
  kind: 'train';
  runId: number;
  config: TrainConfig;
  /** Resolved backend choice: the run's own, or the app setting when the run says `auto`. */
  backend: BackendChoice;
  home: string;
  dataset: string;
  format: DatasetFormat;
  checkpointDir: string;
  initFrom?: string;
  resumeFrom?: string;
  /** Data-parallel worker threads for a run on the wasm backend. */
  threads: number;
  progressEvery: number;
}

export type Job = TrainJob;

export type ToWorker =
  /** `cancel` holds one Int32: the job stops before its next step once it is 1. */
  | { type: 'job'; job: Job; cancel: SharedArrayBuffer }
  | { type: 'shutdown' };

export type FromWorker =
  | { type: 'ready'; backend: string; device: string }
  | { type: 'started'; runId: number; backend: string; device: string }
  | { type: 'progress'; runId: number; progress: StepProgress }
  | { type: 'epoch'; runId: number; metrics: EpochMetrics }
  | { type: 'checkpoint'; runId: number; dir: string; epoch: number; bytes: number }
  | { type: 'done'; runId: number; status: 'completed' | 'cancelled'; finalTop1: number | null; finalLoss: number | null; bestTop1: number | null }
  | { type: 'failed'; runId: number; message: string };

/** What the pool reports about a job: the worker's messages plus the failures the pool itself sees. */
export type JobEvent = Exclude<FromWorker, { type: 'ready' }>;

export const CPU_BACKENDS = ['wasm', 'cpu'];
