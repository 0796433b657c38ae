/** What Compare and sweep groups show: per-cell mean ± std, and runs side by side with the config fields that differ. */
import type { GroupRecord, RunStatus } from './records';
import type { ParentTestSet, SubsetIdentity } from './test-set';

/** A mean and standard deviation over the completed runs of a sweep cell (std 0 for one run). */
export interface MeanStd {
  mean: number;
  std: number;
  n: number;
}

export interface GroupCell {
  /** The swept values of this cell, seed excluded: e.g. { "quant.quantizer": "nt", "quant.bits": 2 }. */
  values: Record<string, unknown>;
  runIds: number[];
  completed: number;
  final: MeanStd | null;
  best: MeanStd | null;
}

export interface GroupSummary {
  group: GroupRecord;
  cells: GroupCell[];
  /** Set when the group's runs were not all tested on the same images: their means do not compare (shared/test-set.ts). */
  testSets: string | null;
}

export interface CompareRow {
  id: number;
  name: string | null;
  model: string;
  dataset: string;
  quantizer: string;
  bits: number | null;
  seed: number;
  status: RunStatus;
  finalTop1: number | null;
  /** Test top-1 at the best-validation epoch; null with bestUnavailable saying why. */
  bestTop1: number | null;
  bestUnavailable: string | null;
  parentId: number | null;
  deltaVsParent: number | null;
  /** The test images the run is evaluated on; null when unknown (stored before Temper recorded it). */
  testSet: SubsetIdentity | null;
  parentTestSet: ParentTestSet;
  /** The latest sharpness result's headline numbers, when one was computed. */
  sharpness: { trace: number | null; eigen: number | null; perturb: number | null } | null;
}

export interface Comparison {
  runs: CompareRow[];
  /** Set when the runs were not all tested on the same images: "tested on different test sets: ..." (shared/test-set.ts). */
  testSets: string | null;
  /** Config fields (dotted paths) whose values differ between the runs, with each run's value. */
  differing: {
    path: string;
    values: unknown[];
    /** False where the field has no effect on that run (quant.bits of an fp run: shown "—"); absent when it applies to all. */
    applies?: boolean[];
  }[];
}
