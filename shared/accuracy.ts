/**
 * Accuracy as every front end shows it: top-1 in percent with two decimals, and the signed change
 * against the parent run computed from those same shown values, so the numbers side by side agree.
 */

/** What the tooltips, the CLI and the report say "Δ top-1 vs parent" is. */
export const DELTA_VS_PARENT_HELP =
  "This run's final top-1 minus its parent run's final top-1, in percentage points, from the values as shown (two decimals): + means better than the parent. Not given for failed or cancelled runs.";

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

/** Signed points as text: "+0.52", "−1.23", "0.00"; the unit is the caller's. */
export function signedPoints(points: number): string {
  return `${points > 0 ? '+' : points < 0 ? '−' : ''}${Math.abs(points).toFixed(2)}`;
}
