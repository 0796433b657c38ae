import type { CompareRow, Comparison, GroupSummary } from '../../shared/api';
import type { RunCurves } from '../../shared/records';
import { cellLabel } from './compare-table';
import { configValue, quantLabel } from './format';
import { type ChartSeries, type CurveAxis, type CurveKey, curvePoints, meanStdBand, seriesColor, smooth } from './series';

/** Runs that differ only by seed, drawn as one mean ± std band. */
export interface SeedCell {
  label: string;
  runIds: number[];
}

/** The sweep's cells, or for an ad-hoc selection the runs grouped by every differing config field except the seed. */
export function seedCells(comparison: Comparison, group: GroupSummary | null): SeedCell[] {
  if (group) return group.cells.map((cell) => ({ label: cellLabel(cell), runIds: cell.runIds }));
  const fields = comparison.differing.filter((d) => d.path !== 'seed');
  const cells = new Map<string, SeedCell>();
  comparison.runs.forEach((run, i) => {
    // A field that does not apply to the run (bits of fp) does not name its cell.
    const values = fields.filter((d) => d.applies?.[i] !== false).map((d) => `${d.path.replace(/^quant\./, '')}=${configValue(d.values[i])}`);
    const key = values.join(', ');
    const cell = cells.get(key);
    if (cell) cell.runIds.push(run.id);
    else cells.set(key, { label: key || quantLabel(run.quantizer, run.bits), runIds: [run.id] });
  });
  return [...cells.values()];
}

export function runSeriesLabel(run: CompareRow): string {
  return `#${run.id} ${quantLabel(run.quantizer, run.bits)} s${run.seed}${run.name ? ` ${run.name}` : ''}`;
}

/** One line per run, in the comparison's order (colour i for run i). */
export function runSeries(runs: CompareRow[], curves: Map<number, RunCurves>, key: CurveKey, axis: CurveAxis = 'epoch'): ChartSeries[] {
  return runs.map((run, i) => {
    const curve = curves.get(run.id);
    return { label: runSeriesLabel(run), color: seriesColor(i), points: curve ? curvePoints(curve, key, axis) : [] };
  });
}

/** Per cell: the lower and upper edges of the ±std band (filled between), then the mean line. */
export function bandSeries(cells: SeedCell[], curves: Map<number, RunCurves>, key: CurveKey, axis: 'epoch' | 'step' = 'epoch'): ChartSeries[] {
  return cells.flatMap((cell, i) => {
    const band = meanStdBand(
      cell.runIds.flatMap((id) => curves.get(id) ?? []),
      key,
      axis,
    );
    const fill = seriesColor(i, 0.18);
    return [
      { label: `${cell.label} −std`, color: fill, points: band.lower, noLine: true, inLegend: false },
      { label: `${cell.label} +std`, color: fill, points: band.upper, noLine: true, fillToPrevious: true, inLegend: false },
      { label: `${cell.label} (n=${cell.runIds.length})`, color: seriesColor(i), points: band.mean },
    ];
  });
}

export interface CurveView {
  axis: CurveAxis;
  /** EMA weight, 0 for none. */
  smoothing: number;
  /** Mean ± std bands per seed cell; not over wall time, where seeds do not share x values. */
  bands: boolean;
}

/** The series of one Compare chart: per run or per cell, against the chosen axis, smoothed. */
export function compareSeries(runs: CompareRow[], cells: SeedCell[], curves: Map<number, RunCurves>, key: CurveKey, view: CurveView): ChartSeries[] {
  const series = view.bands && view.axis !== 'wall' ? bandSeries(cells, curves, key, view.axis) : runSeries(runs, curves, key, view.axis);
  return view.smoothing > 0 ? series.map((s) => ({ ...s, points: smooth(s.points, view.smoothing) })) : series;
}
