import { z } from 'zod';
import type { EpochMetrics, QuantStats, StepProgress } from './metrics';

/**
 * What training can report, as schemas: the records of shared/metrics.ts with the ranges a real run
 * produces. Records that come from outside this process (a run bundle's files) are checked against
 * them before anything is stored.
 */

/** Training computes in float32: no loss, rate or statistic it reports is larger than this. */
export const FLOAT32_MAX = 3.4028234663852886e38;

const real = z.number().min(-FLOAT32_MAX).max(FLOAT32_MAX);
const nonNegative = z.number().min(0).max(FLOAT32_MAX);
const fraction = z.number().min(0).max(1);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A layer's name or a quantizer's key: a label, not a text. */
const label = z.string().min(1).max(200);

export const quantStatsSchema = z.object({
  step: nonNegative,
  meanAbsError: nonNegative,
  clipFraction: fraction,
  levelsUsed: count.optional(),
}) satisfies z.ZodType<QuantStats>;

export const epochMetricsSchema = z.object({
  epoch: z.number().int().min(1).max(10_000),
  step: count,
  trainLoss: nonNegative,
  trainTop1: fraction,
  test: z.object({ loss: nonNegative, top1: fraction, top5: fraction, count }),
  /** Absent in bundles written before Temper measured validation. */
  val: z.object({ loss: nonNegative, top1: fraction, top5: fraction, count }).nullable().default(null),
  lr: nonNegative,
  lambda: real,
  seconds: nonNegative,
  imagesPerSec: nonNegative,
  stepsAtFloor: z.array(label).max(10_000),
  layers: z.array(z.object({ layer: label, weight: quantStatsSchema.nullable(), input: quantStatsSchema.nullable() })).max(10_000),
}) satisfies z.ZodType<EpochMetrics>;

/** A step report: `epoch` counts from 0 (the epoch in progress), `step` from 1 over the whole run. */
export const stepProgressSchema = z.object({
  epoch: z.number().int().min(0).max(10_000),
  step: count.min(1),
  totalSteps: count.min(1),
  loss: nonNegative,
  lr: nonNegative,
  lambda: real,
  imagesPerSec: nonNegative,
}) satisfies z.ZodType<StepProgress>;

/** How far a run can get: its config's epochs, and at most one step per batch of its training split. */
export interface RunBounds {
  epochs: number;
  maxSteps: number;
}

export function runBounds(config: { epochs: number; batchSize: number }, trainImages: number): RunBounds {
  return { epochs: config.epochs, maxSteps: config.epochs * Math.ceil(trainImages / config.batchSize) };
}

/** Epoch metrics of a run with these bounds: the epoch within its config, the step within its plan. */
export function boundedEpochSchema(bounds: RunBounds) {
  return epochMetricsSchema.extend({
    epoch: epochMetricsSchema.shape.epoch.max(bounds.epochs, `expected an epoch of the run's ${bounds.epochs}`),
    step: count.max(bounds.maxSteps, `expected at most the run's ${bounds.maxSteps} steps`),
  });
}

export function boundedStepSchema(bounds: RunBounds) {
  return stepProgressSchema.extend({
    epoch: stepProgressSchema.shape.epoch.max(bounds.epochs - 1, `expected an epoch below the run's ${bounds.epochs}`),
    step: count.min(1).max(bounds.maxSteps, `expected at most the run's ${bounds.maxSteps} steps`),
    totalSteps: count.min(1).max(bounds.maxSteps, `expected at most the run's ${bounds.maxSteps} steps`),
  });
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

/** A schema's problems in one line: each field's path and what it expected (never the value; an unknown key's name cut short). */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 5).map((i) => cut(`${i.path.join('.') || '(record)'}: ${i.message}`, 200)).join('; ');
}
