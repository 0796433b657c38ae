import { missingDeltaNote, shownDeltaVsParent, signedPoints } from '../../shared/accuracy';
import type { ParentTestSet } from '../../shared/test-set';

/** Display formats shared by the views: accuracies are fractions in the store, percent on screen. */

export function percent(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(digits)}%`;
}

/**
 * Δ top-1 vs parent (shared/accuracy.ts), signed: +0.52 pt is better than the parent; "tested on
 * different test sets" (or "test set unknown") where the two do not compare, — where there is none.
 */
export function deltaText(run: { status: string; finalTop1: number | null; deltaVsParent: number | null; parentTestSet?: ParentTestSet }): string {
  const delta = shownDeltaVsParent(run);
  return delta === null ? (missingDeltaNote(run) ?? '—') : `${signedPoints(delta)} pt`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** How long a run took (or has taken so far, when it is still running). */
export function runDuration(run: { startedAt: number | null; finishedAt: number | null }, now = Date.now()): string {
  if (run.startedAt === null) return '—';
  return duration(((run.finishedAt ?? now) - run.startedAt) / 1000);
}

export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

export function time(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function number(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(2) : value.toPrecision(digits);
}

/** W4A4 for 4-bit nt, "fp" for full precision. */
export function quantLabel(quantizer: string, bits: number | null): string {
  return quantizer === 'fp' || bits === null ? quantizer : `${quantizer} W${bits}A${bits}`;
}

export function runLabel(run: { id: number; name: string | null }): string {
  return run.name ? `#${run.id} ${run.name}` : `#${run.id}`;
}

/**
 * A computed number (τ = 0.75 / ln 1000 = 0.10857362047581295) at 4 significant digits; a number a
 * person typed (up to 8 significant digits) as it is.
 */
export function readableNumber(value: number): number {
  return Number.isFinite(value) && Number(value.toPrecision(8)) !== value ? Number(value.toPrecision(4)) : value;
}

/** A value of a config field, for tables. */
export function configValue(value: unknown): string {
  if (value === undefined) return '—';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(readableNumber(value));
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
