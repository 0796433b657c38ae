import type { CompareRow, TemperEvent } from '../../shared/api';
import type { SharpnessRecord, SharpnessValues } from '../../shared/records';
import type { TemperClient } from './api';
import { runSeriesLabel } from './compare-series';
import { number } from './format';
import { type ChartSeries, type Point, seriesColor } from './series';
import { throttle } from './throttle';

/** The measures of method.md §5 by the names the sharpness params use, with their labels on screen. */
export const SHARPNESS_MEASURES = [
  { key: 'trace', label: 'Hessian trace' },
  { key: 'eigen', label: 'Top eigenvalue' },
  { key: 'perturb', label: 'Perturbation' },
  { key: 'landscape', label: 'Loss landscape' },
] as const;
export type SharpnessMeasure = (typeof SHARPNESS_MEASURES)[number]['key'];

export const MAX_SEED = 2 ** 31 - 1;

/** What one unit of each measure is, as its result counts "iterations"; the trace and eigenvalue may stop before the cap. */
const UNIT_TEXT: Record<string, (done: number, total: number) => string> = {
  trace: (d, t) => `Hutchinson probe ${d} of at most ${t}`,
  eigen: (d, t) => `power iteration ${d} of at most ${t}`,
  perturb: (d, t) => `loss ${d} of ${t} (the unperturbed one and ${t - 1} directions)`,
  landscape: (d, t) => `landscape point ${d} of ${t}`,
};

/** "Hessian trace: Hutchinson probe 20 of at most 200". */
export function progressText(p: { what: string; unitDone: number; unitTotal: number }): string {
  const unit = UNIT_TEXT[p.what];
  return `${measureLabel(p.what)}: ${unit ? unit(p.unitDone, p.unitTotal) : `${p.unitDone} of ${p.unitTotal}`}`;
}

/** What the Sharpness panel asks for; the rest of the parameters keep their defaults (`temper sharpness`). */
export interface SharpnessForm {
  measures: Record<SharpnessMeasure, boolean>;
  /** Training images in the evaluation subset. Empty number inputs bind to null. */
  images: number | null;
  /** A fixed number of Hutchinson vectors; empty (null) stops on the standard error. */
  probes: number | null;
  seed: number | null;
  /** 'train': the images the run trained on; 'heldout': images it never trained on. */
  source: 'train' | 'heldout';
}

export function defaultSharpnessForm(): SharpnessForm {
  return { measures: { trace: true, eigen: true, perturb: true, landscape: true }, images: 1024, probes: null, seed: 0, source: 'train' };
}

export type SharpnessRequestParams = {
  measures: SharpnessMeasure[];
  images: number;
  seed: number;
  source: 'train' | 'heldout';
  trace?: { maxIterations: number; minIterations: number };
};

/** The computeSharpness params of a filled-in form, or what is wrong with it (the main side validates again). */
export function sharpnessParams(form: SharpnessForm): { params: SharpnessRequestParams } | { error: string } {
  const measures = SHARPNESS_MEASURES.map((m) => m.key).filter((key) => form.measures[key]);
  if (!measures.length) return { error: 'Choose at least one measure.' };
  const { images, probes, seed } = form;
  if (images === null || !Number.isInteger(images) || images < 1) return { error: 'Images must be a whole number of at least 1.' };
  if (probes !== null && (!Number.isInteger(probes) || probes < 1)) return { error: 'Probes must be a whole number of at least 1, or empty to stop on the standard error.' };
  if (seed === null || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) return { error: `Seed must be a whole number from 0 to ${MAX_SEED}.` };
  return { params: { measures, images, seed, source: form.source, ...(probes === null ? {} : { trace: { maxIterations: probes, minIterations: probes } }) } };
}

/** Which images a result was measured on; results from before Temper recorded it used the whole train split. */
export function sourceText(result: SharpnessValues | null): string {
  if (!result) return '—';
  return result.source ? `${result.source.kind === 'train' ? 'own training images' : 'held-out images'}` : 'train split (not recorded)';
}

export function measureLabel(what: string): string {
  return SHARPNESS_MEASURES.find((m) => m.key === what)?.label ?? what;
}

/** How the Hessian-vector products were computed; results from before exact products have no hvp. */
function productText(hvp: 'exact' | 'central-difference' | undefined): string {
  return hvp === 'exact' ? 'exact' : 'central differences';
}

/** The trace ± its standard error; one probe gives no error estimate, so none is shown. */
export function traceText(trace: SharpnessValues['trace']): string {
  if (!trace) return '—';
  const error = trace.iterations >= 2 && Number.isFinite(trace.stderr) ? ` ± ${number(trace.stderr)}` : '';
  return `${number(trace.value)}${error} (${trace.iterations} probe${trace.iterations === 1 ? ', no error estimate' : 's'}, ${productText(trace.hvp)})`;
}

export function eigenText(eigen: SharpnessValues['eigen']): string {
  return eigen ? `${number(eigen.value)} (${eigen.iterations} iterations, ${eigen.converged ? 'converged' : 'not converged'}, ${productText(eigen.hvp)})` : '—';
}

/** The loss increase over the unperturbed loss (method.md §5.2), as `temper sharpness` prints it. */
export function perturbText(perturb: SharpnessValues['perturb']): string {
  if (!perturb) return '—';
  // A loss change, so always signed: a perturbed quantized model can land on a lower loss.
  const signed = (x: number) => (x < 0 ? `−${number(-x)}` : `+${number(x)}`);
  return `mean ${signed(perturb.mean)}, max ${signed(perturb.max)} at ρ = ${perturb.radius} (${perturb.directions} directions)`;
}

export type Landscape = NonNullable<SharpnessValues['landscape']>;

/** The newest result with a 1-D loss landscape (a cancelled job keeps the measures it finished). */
export function newestLandscape(records: SharpnessRecord[]): { record: SharpnessRecord; landscape: Landscape } | null {
  const record = records.find((r) => r.result?.landscape);
  return record ? { record, landscape: record.result!.landscape! } : null;
}

/** Loss or top-1 against α, leaving out points that are not finite (a diverged loss far out). */
export function landscapePoints(landscape: Landscape, key: 'loss' | 'top1'): Point[] {
  const values = landscape[key];
  return landscape.alphas.flatMap((x, i) => (Number.isFinite(values[i]) ? [{ x, y: values[i] }] : []));
}

/** One loss-vs-α line per compared run that has a landscape, in the colour of its test curves (run i, colour i). */
export function landscapeOverlay(runs: CompareRow[], landscapes: Map<number, Landscape>): ChartSeries[] {
  return runs.flatMap((run, i) => {
    const landscape = landscapes.get(run.id);
    return landscape ? [{ label: runSeriesLabel(run), color: seriesColor(i), points: landscapePoints(landscape, 'loss') }] : [];
  });
}

export type SharpnessProgress = Extract<TemperEvent, { type: 'sharpness-progress' }>;
export type SharpnessStatusEvent = Extract<TemperEvent, { type: 'sharpness-status' }>;

/**
 * Follows the sharpness jobs of the runs `only` accepts: the latest progress event of each job at
 * most every `progressMs`, and every status change at once (they are few: a start and an end).
 * Returns the unsubscribe function.
 */
export function followSharpness(
  client: TemperClient,
  handlers: {
    only: (runId: number) => boolean;
    /** The newest progress event of each job that reported since the last call. */
    onProgress?: (events: SharpnessProgress[]) => void;
    onStatus: (event: SharpnessStatusEvent) => void;
  },
  progressMs = 250,
): () => void {
  let pending = new Map<number, SharpnessProgress>();
  const flush = throttle(() => {
    const events = [...pending.values()];
    pending = new Map();
    handlers.onProgress?.(events);
  }, progressMs);
  const unsubscribe = client.onEvent((event) => {
    if (event.type === 'sharpness-progress' && handlers.onProgress && handlers.only(event.runId)) {
      pending.set(event.id, event);
      flush();
    } else if (event.type === 'sharpness-status' && handlers.only(event.runId)) {
      pending.delete(event.id);
      handlers.onStatus(event);
    }
  });
  return () => {
    unsubscribe();
    flush.cancel();
  };
}
