import { type Interval, mean, pairedInterval, sd, verdictLine, welchInterval } from './stats';
import { bitsLabel, type ResultMeasure, sameCell, settingKey, type StudyCell, type StudyMeasure, pathsLabel } from './study';

/** One grid run of a study with what was measured on it (top-1 as a fraction, as runs store it). */
export interface StudyEntry {
  runId: number | null;
  cell: StudyCell;
  seed: number;
  status: string;
  top1: number | null;
  trace: number | null;
  eigen: number | null;
  perturb: number | null;
}

export interface MeasureSummary {
  mean: number;
  sd: number;
  n: number;
}

export interface CellResult {
  cell: StudyCell;
  /** top1 in percent; sharpness measures as measured. */
  measures: Partial<Record<ResultMeasure, MeasureSummary>>;
}

export interface Difference {
  cell: StudyCell;
  baseline: StudyCell;
  measure: ResultMeasure;
  interval: Interval;
  verdict: string;
}

export interface StudyResults {
  cells: CellResult[];
  differences: Difference[];
  /** The top-1 verdict of every quantizer against the baseline, per setting. */
  verdicts: string[];
}

/** Value of a measure on an entry; top-1 in percent points so differences read in "pt". */
function valueOf(entry: StudyEntry, measure: ResultMeasure): number | null {
  if (entry.status !== 'completed') return null;
  if (measure === 'top1') return entry.top1 === null ? null : entry.top1 * 100;
  return entry[measure];
}

const UNITS: Record<ResultMeasure, [string, number]> = { top1: ['pt', 2], trace: ['', 1], eigen: ['', 2], perturb: ['', 4] };
const MEASURE_NAMES: Record<ResultMeasure, string> = { top1: 'top-1', trace: 'Hessian trace', eigen: 'top eigenvalue', perturb: 'perturbation sharpness' };

function describe(values: number[]): MeasureSummary | undefined {
  return values.length ? { mean: mean(values), sd: sd(values), n: values.length } : undefined;
}

/** "nt − lsq at W2A2" (plus the cell's other paths), then "(Hessian trace)" when the measure is not top-1. */
export function differenceLabel(cell: StudyCell, baseline: StudyCell, measure: ResultMeasure): string {
  const paths = pathsLabel(cell.paths);
  return `${cell.quantizer} − ${baseline.quantizer} at ${bitsLabel(cell.bits)}${paths ? ` (${paths})` : ''}${measure === 'top1' ? '' : ` (${MEASURE_NAMES[measure]})`}`;
}

/**
 * The interval of a cell against the baseline cell: paired over seeds when both arms have values
 * for exactly the same seeds (same seed = same data order, init and parent), else Welch.
 */
function compare(arm: StudyEntry[], base: StudyEntry[], measure: ResultMeasure): Interval | null {
  const a = new Map(arm.flatMap((e) => (valueOf(e, measure) === null ? [] : [[e.seed, valueOf(e, measure)!]])));
  const b = new Map(base.flatMap((e) => (valueOf(e, measure) === null ? [] : [[e.seed, valueOf(e, measure)!]])));
  if (a.size === 0 || b.size === 0) return null;
  const sameSeeds = a.size === b.size && [...a.keys()].every((s) => b.has(s));
  if (sameSeeds) {
    const seeds = [...a.keys()].sort((x, y) => x - y);
    return pairedInterval(seeds.map((s) => a.get(s)!), seeds.map((s) => b.get(s)!));
  }
  return welchInterval([...a.values()], [...b.values()]);
}

/** Per-cell summaries, differences against the baseline quantizer, and the verdict lines. */
export function studyResults(cells: StudyCell[], entries: StudyEntry[], baseline: string, measures: readonly StudyMeasure[]): StudyResults {
  const all: ResultMeasure[] = ['top1', ...measures];
  const entriesOf = (cell: StudyCell) => entries.filter((e) => sameCell(e.cell, cell));
  const cellResults = cells.map((cell) => {
    const own = entriesOf(cell);
    const summaries: CellResult['measures'] = {};
    for (const m of all) {
      const s = describe(own.flatMap((e) => (valueOf(e, m) === null ? [] : [valueOf(e, m)!])));
      if (s) summaries[m] = s;
    }
    return { cell, measures: summaries };
  });
  const differences: Difference[] = [];
  for (const cell of cells) {
    if (cell.quantizer === baseline) continue;
    const base = cells.find((c) => c.quantizer === baseline && settingKey(c) === settingKey(cell));
    if (!base) continue;
    for (const m of all) {
      const interval = compare(entriesOf(cell), entriesOf(base), m);
      if (!interval) continue;
      const [unit, digits] = UNITS[m];
      differences.push({ cell, baseline: base, measure: m, interval, verdict: verdictLine(differenceLabel(cell, base, m), interval, unit, digits) });
    }
  }
  return { cells: cellResults, differences, verdicts: differences.filter((d) => d.measure === 'top1').map((d) => d.verdict) };
}

export interface StudyProgress {
  /** Grid runs in the spec (the parent not counted). */
  total: number;
  /** Grid runs that have ended (completed, failed or cancelled). */
  finished: number;
  completed: number;
  /** Completed runs whose measures are all stored. */
  measured: number;
}

export function studyProgress(total: number, entries: StudyEntry[], measures: readonly StudyMeasure[]): StudyProgress {
  const ended = entries.filter((e) => ['completed', 'failed', 'cancelled'].includes(e.status));
  const completed = entries.filter((e) => e.status === 'completed');
  return { total, finished: ended.length, completed: completed.length, measured: completed.filter((e) => measures.every((m) => e[m] !== null)).length };
}

/** A study as the CLI, the API and the reports see it. */
export interface StudyView {
  id: number;
  name: string;
  /** The validated spec: everything needed to rerun the study. */
  spec: import('./study').StudySpec;
  /** 'interrupted': left running by a process that has ended; `study run` (Resume) continues it. */
  status: 'running' | 'completed' | 'failed' | 'created' | 'interrupted';
  error: string | null;
  groupId: number;
  parentRunId: number | null;
  createdAt: number;
  progress: StudyProgress;
  entries: StudyEntry[];
  results: StudyResults;
}
