import type { CompareRow, Comparison, GroupCell } from '../../shared/api';
import { BEST_TOP1_HELP, bestCell, DELTA_VS_PARENT_HELP } from '../../shared/accuracy';
import { testSetText } from '../../shared/test-set';
import { configValue, deltaText, number, percent, quantLabel } from './format';

/** The Compare view's run table, described once for the screen and the HTML report. */
export interface Column<Row> {
  header: string;
  /** A tooltip that defines the number. */
  help?: string;
  text(row: Row): string;
  numeric?: boolean;
}

export const COMPARE_COLUMNS: Column<CompareRow>[] = [
  { header: 'Run', text: (r) => `#${r.id}`, numeric: true },
  { header: 'Name', text: (r) => r.name ?? '' },
  { header: 'Model', text: (r) => r.model },
  { header: 'Dataset', text: (r) => r.dataset },
  { header: 'Quantizer', text: (r) => quantLabel(r.quantizer, r.bits) },
  { header: 'Bits', text: (r) => (r.bits === null ? '—' : String(r.bits)), numeric: true },
  { header: 'Seed', text: (r) => String(r.seed), numeric: true },
  { header: 'Status', text: (r) => r.status },
  { header: 'Final top-1', text: (r) => percent(r.finalTop1), numeric: true },
  { header: 'Best top-1', help: BEST_TOP1_HELP, text: (r) => bestCell(r, percent), numeric: true },
  { header: 'Parent', text: (r) => (r.parentId === null ? '—' : `#${r.parentId}`), numeric: true },
  { header: 'Δ top-1 vs parent', help: DELTA_VS_PARENT_HELP, text: deltaText, numeric: true },
  { header: 'Test set', help: 'The test images the run is evaluated on: how many, and a hash of which. Top-1 compares only between runs with the same.', text: (r) => testSetText(r.testSet) },
  { header: 'Hessian trace', text: (r) => number(r.sharpness?.trace), numeric: true },
  { header: 'Top eigenvalue', text: (r) => number(r.sharpness?.eigen), numeric: true },
  { header: 'Perturbation', text: (r) => number(r.sharpness?.perturb), numeric: true },
];

/** Sharpness columns only when some run has a sharpness result. */
export function visibleColumns(rows: CompareRow[]): Column<CompareRow>[] {
  const sharp = rows.some((r) => r.sharpness);
  return COMPARE_COLUMNS.filter((c) => sharp || !['Hessian trace', 'Top eigenvalue', 'Perturbation'].includes(c.header));
}

export function cellLabel(cell: GroupCell): string {
  const parts = Object.entries(cell.values).map(([k, v]) => `${k.replace(/^quant\./, '')}=${configValue(v)}`);
  return parts.join(', ') || 'all runs';
}

export function meanStdText(value: { mean: number; std: number; n: number } | null): string {
  return value ? `${percent(value.mean)} ± ${(value.std * 100).toFixed(2)} (n=${value.n})` : '—';
}

/** The differing config fields as rows of [path, value of each run] in the runs' order; "—" where a field does not apply. */
export function differingRows(comparison: Comparison): { path: string; values: string[] }[] {
  return comparison.differing.map((d) => ({ path: d.path, values: d.values.map((v, i) => (d.applies?.[i] === false ? '—' : configValue(v))) }));
}
