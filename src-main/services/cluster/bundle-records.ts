import path from 'node:path';
import type { z } from 'zod';
import type { EpochMetrics, StepProgress } from '../../../shared/metrics';
import { boundedEpochSchema, boundedStepSchema, describeIssues, type RunBounds } from '../../../shared/metrics-schemas';
import { BUNDLE_FILES } from './bundle';
import { forEachJsonLine, type LineLimits } from './bundle-files';

/**
 * A bundle's epoch and step lines, each checked against the schemas of what training reports and
 * the bounds of its run (epochs within its config, steps within its plan): a bad line is named by
 * file and line number before anything of the bundle is stored.
 */

/** The most an epochs.jsonl may hold: 10,000 epochs of a few KB each. */
export const EPOCHS_FILE_MAX_BYTES = 64 << 20;

/** Where the limits on a bundle's line files can be lowered (tests). */
export interface RecordLimits {
  epochs?: LineLimits;
  steps?: LineLimits;
}

function checkLine<T>(file: string, schema: z.ZodType<T>, raw: unknown, line: number): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`${file}: line ${line}: ${describeIssues(result.error)}`);
  return result.data;
}

/** The epoch lines from line `from` (0-based) on. */
export function readEpochLines(dir: string, bounds: RunBounds, from = 0, limits: LineLimits = {}): EpochMetrics[] {
  const file = path.join(dir, BUNDLE_FILES.epochs);
  const schema = boundedEpochSchema(bounds);
  const epochs: EpochMetrics[] = [];
  forEachJsonLine(file, from, (raw, line) => epochs.push(checkLine(file, schema, raw, line)), { maxBytes: EPOCHS_FILE_MAX_BYTES, ...limits });
  return epochs;
}

/** Step lines from line `from` on, handed over in batches of `batch` (so a long file is never held whole); returns how many. */
export function forEachStepBatch(dir: string, bounds: RunBounds, from: number, onBatch: (steps: StepProgress[]) => void, limits: LineLimits = {}, batch = 1000): number {
  const file = path.join(dir, BUNDLE_FILES.steps);
  const schema = boundedStepSchema(bounds);
  let steps: StepProgress[] = [];
  const read = forEachJsonLine(file, from, (raw, line) => {
    steps.push(checkLine(file, schema, raw, line));
    if (steps.length >= batch) {
      onBatch(steps);
      steps = [];
    }
  }, limits);
  if (steps.length > 0) onBatch(steps);
  return read;
}

/** Checks every epoch and step line of a bundle, storing nothing. */
export function checkRecords(dir: string, bounds: RunBounds, limits: RecordLimits = {}): void {
  readEpochLines(dir, bounds, 0, limits.epochs);
  forEachStepBatch(dir, bounds, 0, () => {}, limits.steps);
}
