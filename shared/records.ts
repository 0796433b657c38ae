/**
 * The records the store keeps and the API hands to the renderer: plain JSON values, shared by the
 * main process and the renderer. Times are milliseconds since the epoch.
 */
import type { TrainConfig } from './config';
import type { ParentTestSet, SubsetIdentity } from './test-set';

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type SortOrder = 'asc' | 'desc';

/** Limits every layer applies the same way: the API schemas, the store and the renderer. */
export const LIMITS = {
  /** Runs one curves or compare request may name. */
  runsPerRequest: 200,
  /** Rows of one page of the runs list (at least 1). */
  pageSize: 1000,
  defaultPageSize: 50,
  filterLength: 2000,
} as const;

export interface RunRecord {
  id: number;
  name: string | null;
  config: TrainConfig;
  model: string;
  dataset: string;
  quantizer: string;
  /** Null for full-precision runs, which have no bit-width. */
  bits: number | null;
  seed: number;
  status: RunStatus;
  parentId: number | null;
  groupId: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  heartbeatAt: number | null;
  backend: string | null;
  device: string | null;
  appVersion: string | null;
  gitCommit: string | null;
  datasetHash: string | null;
  /** Test top-1 of the best epoch, chosen on validation top-1 (shared/best-epoch.ts); null with bestUnavailable saying why. */
  bestTop1: number | null;
  bestEpoch: number | null;
  /** Why the run has no best epoch (e.g. 'no validation split'); null when it has one or has no epoch yet. */
  bestUnavailable: string | null;
  finalTop1: number | null;
  /**
   * This run's final top-1 minus its parent's (a fraction): + better than the parent, as the Δ
   * column (filter field delta_vs_parent). Null unless both were tested on the same images (parentTestSet 'same').
   */
  deltaVsParent: number | null;
  /** The test images the run is evaluated on; null until it starts, and for runs stored before Temper recorded it (unknown). */
  testSet: SubsetIdentity | null;
  /** Whether the parent was tested on the same images: 'unknown' where either test set is; null without a parent. */
  parentTestSet: ParentTestSet;
  error: string | null;
  epochsDone: number;
  epochsTotal: number;
}

/** What happened to a run, in the order it happened: the run's history (the log, the markers on its curves). */
export const RUN_EVENT_KINDS = ['created', 'started', 'cancel-requested', 'cancelled', 'interrupted', 'resumed', 'completed', 'failed'] as const;
export type RunEventKind = (typeof RUN_EVENT_KINDS)[number];

export interface RunEvent {
  kind: RunEventKind;
  at: number;
  /** Epochs finished when it happened. */
  epoch: number;
  /** The last optimizer step recorded when it happened; for `resumed`, the step of the checkpoint it continues from. */
  step: number;
  /** The error of a failed or interrupted run, where there is one. */
  detail: string | null;
}

export interface ListRunsQuery {
  /** The filter language of filter.ts, e.g. `quantizer=nt and bits in (2,3)`. */
  filter?: string;
  sort?: string;
  order?: SortOrder;
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  rows: T[];
  /** Rows matching the filter, over all pages. */
  total: number;
}

/** One run's epoch curves as parallel arrays, ready to hand to a chart. */
export interface EpochCurves {
  epoch: number[];
  step: number[];
  trainLoss: number[];
  trainTop1: number[];
  testLoss: number[];
  testTop1: number[];
  testTop5: number[];
  /** On the val split; null for epochs of a dataset without one. */
  valLoss: (number | null)[];
  valTop1: (number | null)[];
  lr: number[];
  lambda: number[];
  seconds: number[];
  imagesPerSec: number[];
  /** Seconds from the run's first start to the epoch's end, pauses included; null for epochs recorded before Temper kept it. */
  wallSeconds: (number | null)[];
}

export interface StepPoint {
  step: number;
  loss: number;
  lr: number;
  lambda: number;
  imagesPerSec: number;
}

export interface LayerStatsRow {
  epoch: number;
  layer: string;
  weightStep: number | null;
  weightMeanAbsError: number | null;
  weightClipFraction: number | null;
  /** Distinct grid levels of 2^b the recorded batch used; null in rows recorded before it was measured. */
  weightLevelsUsed: number | null;
  inputStep: number | null;
  inputMeanAbsError: number | null;
  inputClipFraction: number | null;
  inputLevelsUsed: number | null;
  lambda: number | null;
}

export interface CheckpointRecord {
  id: number;
  runId: number;
  epoch: number;
  path: string;
  bytes: number;
  createdAt: number;
}

export interface NoteRecord {
  id: number;
  runId: number;
  text: string;
  createdAt: number;
}

export interface GroupRecord {
  id: number;
  name: string;
  /** The sweep config the group was expanded from. */
  sweep: unknown;
  createdAt: number;
}

export interface DatasetRecord {
  name: string;
  format: string;
  shape: [number, number, number];
  classes: string[];
  counts: { train: number; val?: number; test?: number };
  contentHash: string;
  manifestPath: string;
  createdAt: number;
}

/** One run's curves, keyed by its id. */
export type RunCurves = { runId: number } & EpochCurves;

export const SHARPNESS_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type SharpnessStatus = (typeof SHARPNESS_STATUSES)[number];

/** What a sharpness job measured (method.md §5); each measure only when it was asked for and finished. */
export interface SharpnessValues {
  /** hvp: how the Hessian-vector products were computed; absent on results from before exact products (central differences). */
  trace?: { value: number; stderr: number; iterations: number; hvp?: 'exact' | 'central-difference' };
  eigen?: { value: number; iterations: number; converged: boolean; hvp?: 'exact' | 'central-difference' };
  /** Why exact products were asked for but central differences were used (a kernel not differentiable twice on that backend). */
  hvpFallback?: string;
  perturb?: { mean: number; max: number; base: number; radius: number; directions: number };
  landscape?: {
    alphas: number[];
    loss: number[];
    top1: number[];
    grid2d?: { alphas: number[]; betas: number[]; loss: number[][]; top1: number[][] };
  };
  /** Images in the evaluation subset. */
  images: number;
  seconds: number;
  /** Which images the subset was drawn from; absent on results from before Temper recorded it (the whole train split). */
  source?: SharpnessSource;
}

/** The pool a sharpness subset is drawn from: the run's own training images, or images it never trained on. */
export interface SharpnessSource {
  kind: 'train' | 'heldout';
  /** Images in the pool the subset was drawn from. */
  pool: number;
  /** The pool in words, as the results show it. */
  description: string;
}

export interface SharpnessRecord {
  id: number;
  runId: number;
  status: SharpnessStatus;
  /** The full parameters, defaults filled in: results compare only when these match. */
  params: Record<string, unknown>;
  result: SharpnessValues | null;
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}
