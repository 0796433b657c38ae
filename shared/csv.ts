import { deltaVsParent, percentShown } from './accuracy';
import type { Comparison } from './api';

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
 * path (empty where the field does not apply to the run).
 */
export function comparisonCsv(c: Comparison): string {
  const header = [
    'id', 'name', 'model', 'dataset', 'quantizer', 'bits', 'seed', 'status', 'finalTop1Percent', 'bestTop1Percent', 'parentId',
    'deltaTop1VsParentPoints', 'trace', 'eigen', 'perturb', 'finalTop1Fraction', 'bestTop1Fraction', ...c.differing.map((d) => d.path),
  ];
  const rows = c.runs.map((r, i) => [
    r.id, r.name, r.model, r.dataset, r.quantizer, r.bits, r.seed, r.status, percentShown(r.finalTop1), percentShown(r.bestTop1), r.parentId,
    deltaVsParent(r), r.sharpness?.trace ?? null, r.sharpness?.eigen ?? null, r.sharpness?.perturb ?? null, r.finalTop1, r.bestTop1,
    ...c.differing.map((d) => (d.applies?.[i] === false ? null : d.values[i])),
  ]);
  return toCsv(header, rows);
}
