import { ALPHA, holmAdjust, type Interval, mean, pairedInterval, sd, verdictLine } from './stats';
import { DIFFERENT_TEST_SETS, type SubsetIdentity, testSetNote } from './test-set';
import { bitsLabel, type ResultMeasure, sameCell, settingKey, type StudyCell, type StudyMeasure, pathsLabel } from './study';

/** One grid run of a study with what was measured on it (top-1 as a fraction, as runs store it). */
export interface StudyEntry {
  runId: number | null;
  cell: StudyCell;
  seed: number;
  status: string;
  /** Why the run failed (a diverged run says "Training diverged ..."); null otherwise. */
  error: string | null;
  top1: number | null;
  trace: number | null;
  eigen: number | null;
  perturb: number | null;
  /** The test images the run was evaluated on; null when unknown (stored before Temper recorded it) or not started. */
  testSet: SubsetIdentity | null;
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
  /** Paired over `seeds`. */
  interval: Interval;
  /** The seeds with a value in both arms, ascending: the pairs of the interval. */
  seeds: number[];
  /** The grid's seeds without a value in one arm, and why: "nt seed 2 (diverged)". */
  missing: string[];
  /** The p-value after Holm's adjustment over the study's family; null where there is no test. */
  adjustedP: number | null;
  verdict: string;
}

/** A grid run that ended without a result: failed (diverged or otherwise), cancelled or interrupted. */
export interface LeftOutRun {
  runId: number | null;
  cell: StudyCell;
  seed: number;
  /** failed, diverged, cancelled or interrupted. */
  status: string;
  /** The run's error, or its status where it has none. */
  reason: string;
}

export interface StudyResults {
  cells: CellResult[];
  differences: Difference[];
  /** The top-1 verdict of every quantizer against the baseline, per setting. */
  verdicts: string[];
  leftOut: LeftOutRun[];
  /** What the verdicts were corrected for and how, in one sentence. */
  correction: string;
  /** Set when the runs were not all tested on the same images (shared/test-set.ts); the verdicts it touches say so too. */
  testSets: string | null;
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

function valuesBySeed(entries: StudyEntry[], measure: ResultMeasure): Map<number, number> {
  return new Map(entries.flatMap((e) => (valueOf(e, measure) === null ? [] : [[e.seed, valueOf(e, measure)!]])));
}

/** "; tested on different test sets" (or "; test set unknown") when the completed runs of two arms were not all tested on the same images. */
function testSetMark(entries: StudyEntry[]): string {
  const done = entries.filter((e) => e.status === 'completed');
  if (done.some((e) => e.testSet == null)) return '; test set unknown';
  return new Set(done.map((e) => e.testSet!.hash)).size > 1 ? `; ${DIFFERENT_TEST_SETS}` : '';
}

/** A run's status, with "diverged" for a run that failed because its loss diverged. */
const outcome = (entry: StudyEntry) => (entry.status === 'failed' && entry.error?.includes('Training diverged') ? 'diverged' : entry.status);

/** Why an arm has no value at a seed: not run yet, still running, failed, diverged, cancelled, not measured. */
function missingReason(entry: StudyEntry | undefined, measure: ResultMeasure): string {
  if (!entry) return 'not run yet';
  if (entry.status !== 'completed') return outcome(entry);
  return measure === 'top1' ? 'no top-1' : `no ${MEASURE_NAMES[measure]}`;
}

/**
 * The paired interval of a cell against the baseline cell over the seeds both arms have (same seed
 * = same data order, init and parent), and the grid's seeds left out of it, with the reason.
 */
function compare(seeds: readonly number[], arm: [StudyCell, StudyEntry[]], base: [StudyCell, StudyEntry[]], measure: ResultMeasure) {
  const [a, b] = [arm, base].map(([, own]) => valuesBySeed(own, measure));
  const paired = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  if (!paired.length) return null;
  const missing = seeds.flatMap((seed) =>
    ([[arm, a], [base, b]] as const).flatMap(([[cell, own], values]) =>
      values.has(seed) ? [] : [`${cell.quantizer} seed ${seed} (${missingReason(own.find((e) => e.seed === seed), measure)})`],
    ),
  );
  return { interval: pairedInterval(paired.map((s) => a.get(s)!), paired.map((s) => b.get(s)!)), seeds: paired, missing };
}

/** "Holm's step-down adjustment over the 18 comparisons ...": the family and the rule, for every report. */
function correctionNote(differences: Difference[], baseline: string, measures: ResultMeasure[]): string {
  const tested = differences.filter((d) => d.adjustedP !== null).length;
  const names = measures.map((m) => MEASURE_NAMES[m]);
  const family = `every quantizer against ${baseline} at every setting, ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)} together` : `${names[0]} only`}`;
  if (!tested) return `No comparison has a p-value yet (each needs two pairs with some variance); verdicts will be Holm-adjusted over ${family}.`;
  const untested = differences.length - tested;
  return `p-values are Holm-adjusted (step-down, family-wise error ${ALPHA}) over the ${tested} comparison${tested === 1 ? '' : 's'} with a test: ${family}` +
    `${untested ? ` (${untested} without a test, at n=1 or degenerate, are shown but not counted)` : ''}; a verdict is significant where the adjusted p < ${ALPHA}. Intervals are 95 % and unadjusted.`;
}

const LEFT_OUT = ['failed', 'cancelled', 'interrupted'];

/** Per-cell summaries, paired differences against the baseline quantizer with Holm-adjusted verdicts, and the runs left out. */
export function studyResults(cells: StudyCell[], entries: StudyEntry[], baseline: string, measures: readonly StudyMeasure[], seeds: readonly number[]): StudyResults {
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
      const compared = compare(seeds, [cell, entriesOf(cell)], [base, entriesOf(base)], m);
      if (compared) differences.push({ cell, baseline: base, measure: m, ...compared, adjustedP: null, verdict: '' });
    }
  }
  const tested = differences.filter((d) => d.interval.p !== null);
  holmAdjust(tested.map((d) => d.interval.p!)).forEach((p, i) => (tested[i].adjustedP = p));
  for (const d of differences) {
    const [unit, digits] = UNITS[d.measure];
    const line = verdictLine(differenceLabel(d.cell, d.baseline, d.measure), d.interval, unit, digits, d.adjustedP) + testSetMark([...entriesOf(d.cell), ...entriesOf(d.baseline)]);
    d.verdict = d.missing.length ? `${line}; missing ${d.missing.join(', ')}` : line;
  }
  const leftOut = entries.filter((e) => LEFT_OUT.includes(e.status)).map((e) => ({ runId: e.runId, cell: e.cell, seed: e.seed, status: outcome(e), reason: e.error ?? e.status }));
  const testSets = testSetNote(entries.flatMap((e) => (e.runId === null ? [] : [{ id: e.runId, status: e.status, testSet: e.testSet }])));
  return {
    cells: cellResults, differences, verdicts: differences.filter((d) => d.measure === 'top1').map((d) => d.verdict), leftOut, correction: correctionNote(differences, baseline, all), testSets,
  };
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
