/**
 * Accuracy as every front end shows it: top-1 in percent with two decimals, and the signed change
 * against the parent run computed from those same shown values, so the numbers side by side agree.
 */
import { type ParentTestSet, parentTestSetNote } from './test-set';

/** What the tooltips, the CLI and the report say "Δ top-1 vs parent" is. */
export const DELTA_VS_PARENT_HELP =
  "This run's final top-1 minus its parent run's final top-1, in percentage points, from the values as shown (two decimals): + means better than the parent. Not given for failed or cancelled runs, nor when the two were tested on different (or unknown) test sets.";

/** What "best top-1" is, wherever it is shown. */
export const BEST_TOP1_HELP =
  'The test top-1 of the epoch with the best validation top-1 (the test split never chooses). n/a where the dataset has no val split: only the final top-1 counts then.';

/** Best top-1 as a table cell: the percentage from `percent`, or "n/a" when the run has none for a reason. */
export function bestCell(run: { bestTop1: number | null; bestUnavailable: string | null }, percent: (x: number | null) => string): string {
  return run.bestTop1 === null && run.bestUnavailable ? 'n/a' : percent(run.bestTop1);
}

/** A fraction in percent, rounded as the tables show it (two decimals); null stays null. */
export function percentShown(fraction: number | null | undefined): number | null {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction) ? null : Math.round(fraction * 10_000) / 100;
}

interface ParentedRun {
  status: string;
  finalTop1: number | null;
  /** This run's final top-1 minus its parent's (a fraction): + better. */
  deltaVsParent: number | null;
}

/** Δ top-1 vs parent in percentage points (+ better); null without a parent, or for a failed or cancelled run. */
export function shownDeltaVsParent(run: ParentedRun): number | null {
  if (run.status === 'failed' || run.status === 'cancelled') return null;
  const own = percentShown(run.finalTop1);
  if (own === null || run.deltaVsParent === null || !Number.isFinite(run.deltaVsParent)) return null;
  const parent = percentShown(run.finalTop1! - run.deltaVsParent)!;
  return Math.round((own - parent) * 100) / 100;
}

/**
 * Why a run with a parent and a final top-1 has no Δ vs parent: "tested on different test sets",
 * or "test set unknown" (stored before Temper recorded test sets); null otherwise.
 */
export function missingDeltaNote(run: ParentedRun & { parentTestSet?: ParentTestSet }): string | null {
  if (run.status === 'failed' || run.status === 'cancelled' || run.finalTop1 === null || shownDeltaVsParent(run) !== null) return null;
  return parentTestSetNote(run.parentTestSet ?? null);
}

/** Signed points as text: "+0.52", "−1.23", "0.00"; the unit is the caller's. */
export function signedPoints(points: number): string {
  return `${points > 0 ? '+' : points < 0 ? '−' : ''}${Math.abs(points).toFixed(2)}`;
}
