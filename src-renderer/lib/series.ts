import type { EpochCurves } from '../../shared/records';

/** Chart data as chart.js reads it with `parsing: false`: made once per fetch, never per frame. */
export interface Point {
  x: number;
  y: number;
}

export type CurveKey = Exclude<keyof EpochCurves, 'epoch' | 'step' | 'wallSeconds'>;

/** What a curve is drawn against: epochs, optimizer steps, or wall time in minutes from the run's first start. */
export type CurveAxis = 'epoch' | 'step' | 'wall';

export const AXIS_LABELS: Record<CurveAxis, string> = { epoch: 'epoch', step: 'step', wall: 'wall time (min)' };

function axisValue(curve: EpochCurves, axis: CurveAxis, i: number): number | null | undefined {
  if (axis === 'epoch') return curve.epoch[i];
  if (axis === 'step') return curve.step[i];
  const seconds = curve.wallSeconds?.[i];
  return seconds === null || seconds === undefined ? null : seconds / 60;
}

/** Distinct colours for any number of runs: hues a golden angle apart. */
export function seriesColor(index: number, alpha = 1): string {
  const hue = Math.round((index * 137.508 + 210) % 360);
  return alpha === 1 ? `hsl(${hue}, 70%, 50%)` : `hsla(${hue}, 70%, 50%, ${alpha})`;
}

/** One curve against epochs (or steps, or wall time), leaving out epochs without a value. */
export function curvePoints(curve: EpochCurves, key: CurveKey, axis: CurveAxis = 'epoch'): Point[] {
  const values = curve[key];
  const out: Point[] = [];
  for (let i = 0; i < curve.epoch.length; i++) {
    const y = values[i];
    const x = axisValue(curve, axis, i);
    if (y !== null && y !== undefined && Number.isFinite(y) && x !== null && x !== undefined) out.push({ x, y });
  }
  return out;
}

/**
 * Exponential moving average with TensorBoard's debiasing (the first points are not pulled toward
 * zero): weight 0 leaves the curve as it is, 0.9 smooths over about ten points.
 */
export function smooth(points: Point[], weight: number): Point[] {
  if (weight <= 0) return points;
  let average = 0;
  return points.map((p, i) => {
    average = average * weight + (1 - weight) * p.y;
    return { x: p.x, y: average / (1 - weight ** (i + 1)) };
  });
}

export interface Band {
  mean: Point[];
  lower: Point[];
  upper: Point[];
}

/** Mean ± sample standard deviation per epoch (or step) over several runs (seeds); std 0 where one run has the epoch. */
export function meanStdBand(curves: EpochCurves[], key: CurveKey, axis: Exclude<CurveAxis, 'wall'> = 'epoch'): Band {
  const byEpoch = new Map<number, number[]>();
  for (const curve of curves) {
    for (const p of curvePoints(curve, key, axis)) {
      const list = byEpoch.get(p.x);
      if (list) list.push(p.y);
      else byEpoch.set(p.x, [p.y]);
    }
  }
  const band: Band = { mean: [], lower: [], upper: [] };
  for (const epoch of [...byEpoch.keys()].sort((a, b) => a - b)) {
    const values = byEpoch.get(epoch)!;
    const { mean, std } = meanStd(values);
    band.mean.push({ x: epoch, y: mean });
    band.lower.push({ x: epoch, y: mean - std });
    band.upper.push({ x: epoch, y: mean + std });
  }
  return band;
}

export function meanStd(values: number[]): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: 0 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** One line of a LineChart. A band is two series (lower, then upper with `fillToPrevious`) drawn without lines. */
export interface ChartSeries {
  label: string;
  color: string;
  points: Point[];
  dashed?: boolean;
  /** Draw no line: the lower and upper edges of a mean ± std band. */
  noLine?: boolean;
  /** Fill the area down to the previous series (the band's upper edge fills to its lower edge). */
  fillToPrevious?: boolean;
  inLegend?: boolean;
}
