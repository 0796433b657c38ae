import { shownDeltaVsParent, percentShown } from './accuracy';
import type { CompareRow, Comparison } from './api';
import type { RunCurves } from './records';

/** RFC 4180 CSV: fields with a comma, quote or newline are quoted, quotes doubled. Shared by the CLI and the renderer. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/**
 * A comparison as CSV (`temper compare --csv` and the Compare view's export): one row per run,
 * accuracies in percent and Δ vs parent in points, rounded as the tables show them (the columns named
 * ...Fraction keep full precision), sharpness when measured, then each differing config field by its
 * path (empty where the field does not apply to the run). testImages and testSetHash say which test
 * images each run was evaluated on (empty: unknown); top-1 compares only between equal ones.
 */
export function comparisonCsv(c: Comparison): string {
  const header = [
    'id', 'name', 'model', 'dataset', 'quantizer', 'bits', 'seed', 'status', 'finalTop1Percent', 'bestTop1Percent', 'parentId',
    'deltaTop1VsParentPoints', 'trace', 'eigen', 'perturb', 'finalTop1Fraction', 'bestTop1Fraction', 'testImages', 'testSetHash', ...c.differing.map((d) => d.path),
  ];
  const rows = c.runs.map((r, i) => [
    r.id, r.name, r.model, r.dataset, r.quantizer, r.bits, r.seed, r.status, percentShown(r.finalTop1), percentShown(r.bestTop1), r.parentId,
    shownDeltaVsParent(r), r.sharpness?.trace ?? null, r.sharpness?.eigen ?? null, r.sharpness?.perturb ?? null, r.finalTop1, r.bestTop1,
    r.testSet?.images ?? null, r.testSet?.hash ?? null, ...c.differing.map((d) => (d.applies?.[i] === false ? null : d.values[i])),
  ]);
  return toCsv(header, rows);
}

/** Every epoch of every compared run, one row each: the metrics the curves draw, accuracies as fractions. */
export function metricsCsv(runs: readonly CompareRow[], curves: ReadonlyMap<number, RunCurves>): string {
  const header = [
    'runId', 'name', 'quantizer', 'bits', 'seed', 'epoch', 'step', 'wallSeconds', 'trainLoss', 'trainTop1Fraction', 'testLoss',
    'testTop1Fraction', 'testTop5Fraction', 'lr', 'lambda', 'trainSeconds', 'imagesPerSec',
  ];
  const rows = runs.flatMap((run) => {
    const c = curves.get(run.id);
    if (!c) return [];
    return c.epoch.map((epoch, i) => [
      run.id, run.name, run.quantizer, run.bits, run.seed, epoch, c.step[i], c.wallSeconds?.[i] ?? null, c.trainLoss[i], c.trainTop1[i],
      c.testLoss[i], c.testTop1[i], c.testTop5[i], c.lr[i], c.lambda[i], c.seconds[i], c.imagesPerSec[i],
    ]);
  });
  return toCsv(header, rows);
}
