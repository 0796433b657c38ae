import type { LayerStatsRow } from '../../shared/records';

/** The rows of the last epoch that recorded layer statistics: what `runs show` prints. */
export function lastEpochLayers(rows: readonly LayerStatsRow[]): LayerStatsRow[] {
  const last = rows.reduce((m, r) => Math.max(m, r.epoch), -Infinity);
  return rows.filter((r) => r.epoch === last);
}

const fixed = (x: number | null, digits: number) => (x === null ? '-' : x.toPrecision(digits));
const share = (x: number | null) => (x === null ? '-' : (x * 100).toFixed(2));
// Rows recorded before levels were counted lack the field.
const count = (x: number | null | undefined) => (x === null || x === undefined ? '-' : String(x));

/**
 * Per-layer quantizer statistics of the last recorded epoch as a text table, or '' when there are
 * none (fp runs). LEVELS: distinct grid levels (of 2^b) the recorded batch used (docs/method.md §5.4).
 */
export function layerStatsTable(rows: readonly LayerStatsRow[]): string {
  const latest = lastEpochLayers(rows);
  if (latest.length === 0) return '';
  const header = ['LAYER', 'W STEP', 'W |E|', 'W CLIP %', 'W LEVELS', 'IN STEP', 'IN |E|', 'IN CLIP %', 'IN LEVELS'];
  const cells = latest.map((r) => [
    r.layer, fixed(r.weightStep, 4), fixed(r.weightMeanAbsError, 3), share(r.weightClipFraction), count(r.weightLevelsUsed),
    fixed(r.inputStep, 4), fixed(r.inputMeanAbsError, 3), share(r.inputClipFraction), count(r.inputLevelsUsed),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const lines = [header, ...cells].map((c) => c.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  return `quantizer statistics, epoch ${latest[0].epoch} (first batch of the epoch):\n${lines.join('\n')}`;
}
