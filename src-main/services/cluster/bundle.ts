import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseTrainConfig, type TrainConfig } from '../../../shared/config';
import { DATASET_FORMATS } from '../../data/dataset';
import type { EpochMetrics, StepProgress } from '../../../shared/metrics';

/**
 * A run bundle: a folder that holds everything one run needs to train away from the app (its
 * config, a reference to a dataset cache by checksum, the parent's checkpoint) and everything it
 * writes back. `temper run-bundle <dir>` trains it; the app imports what it wrote.
 *
 *   bundle.json    what to train (written by the app, never changed after)
 *   parent/        the parent run's checkpoint, for init-from
 *   checkpoint/    the run's own checkpoint, replaced whole after each epoch (resume reads it)
 *   status.json    heartbeat: state, host, pid, epoch and step, rewritten every few seconds
 *   epochs.jsonl   one EpochMetrics per line, appended as each epoch ends
 *   steps.jsonl    step progress, appended about once a second
 *   log.txt        what happened, one line per event
 *   result.json    how the run ended; present only once it has
 */
export const BUNDLE_FILES = {
  bundle: 'bundle.json',
  parent: 'parent',
  checkpoint: 'checkpoint',
  status: 'status.json',
  epochs: 'epochs.jsonl',
  steps: 'steps.jsonl',
  log: 'log.txt',
  result: 'result.json',
} as const;

export const BUNDLE_FORMAT = 'temper-bundle';

const bundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(1),
  /** Unique per bundle: the store links a run to it, so one bundle is never imported twice. */
  id: z.string().min(8),
  name: z.string().nullable(),
  config: z.unknown(),
  dataset: z.object({
    name: z.string(),
    contentHash: z.string(),
    format: z.enum(DATASET_FORMATS),
    /** sha256 of the cache files; the cache lives in `<datasets>/<checksum>/`. */
    checksum: z.string().regex(/^[0-9a-f]{64}$/),
    /** The folder holding the dataset caches, relative to the bundle. */
    datasets: z.string(),
  }),
  parent: z.object({ runId: z.number().int(), finalTop1: z.number().nullable() }).nullable(),
  appVersion: z.string(),
  createdAt: z.string(),
});

export type RunBundle = Omit<z.infer<typeof bundleSchema>, 'config'> & { config: TrainConfig };

const resultSchema = z.object({
  status: z.enum(['completed', 'stopped', 'failed']),
  finalTop1: z.number().nullable(),
  /** Test top-1 at the best-validation epoch of the task's own epochs (the store chooses over all imported ones). */
  bestTop1: z.number().nullable(),
  error: z.string().nullable(),
  /** The signal that stopped the run (a scancel, Slurm's time limit), when one did. */
  signal: z.string().nullable(),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  finishedAt: z.string(),
});

export type BundleResult = z.infer<typeof resultSchema>;

const statusSchema = z.object({
  state: z.enum(['starting', 'running', 'completed', 'stopped', 'failed']),
  host: z.string(),
  pid: z.number().int(),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  epoch: z.number().int(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  checkpointEpoch: z.number().int().nullable(),
  heartbeatAt: z.string(),
});

export type BundleStatus = z.infer<typeof statusSchema>;

/** Writes beside the file and renames over it, so a reader never sees half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const staging = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staging, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(staging, file);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    throw new Error(`${file}: ${err.code === 'ENOENT' ? 'missing' : `not valid JSON (${err.message})`}`);
  }
}

function checked<T>(file: string, schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`${file}: ${result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  return result.data;
}

/** The bundle's description, checked field by field; the error names the file and the field. */
export function readBundle(dir: string): RunBundle {
  const file = path.join(dir, BUNDLE_FILES.bundle);
  const raw = checked(file, bundleSchema, readJson(file));
  try {
    return { ...raw, config: parseTrainConfig(raw.config) };
  } catch (error) {
    throw new Error(`${file}: config: ${(error as Error).message}`);
  }
}

export function writeBundle(dir: string, bundle: RunBundle): void {
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(path.join(dir, BUNDLE_FILES.bundle), bundle);
}

/** How the run ended, or undefined while it has not. */
export function readResult(dir: string): BundleResult | undefined {
  const file = path.join(dir, BUNDLE_FILES.result);
  if (!fs.existsSync(file)) return undefined;
  return checked(file, resultSchema, readJson(file));
}

export function readStatus(dir: string): BundleStatus | undefined {
  const file = path.join(dir, BUNDLE_FILES.status);
  if (!fs.existsSync(file)) return undefined;
  return checked(file, statusSchema, readJson(file));
}

/**
 * The whole lines of a JSON-lines file from line `from` on. A last line without its newline is
 * still being written and is left for the next read; a whole line that is not JSON is an error
 * naming the file and line.
 */
export function readJsonLines<T>(file: string, from = 0): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n').slice(0, -1);
  return lines.slice(from).map((line, i) => {
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new Error(`${file}: line ${from + i + 1} is not valid JSON: ${line.slice(0, 80)}`);
    }
  });
}

const epochLineSchema = z.object({
  epoch: z.number().int().min(1),
  step: z.number().int(),
  trainLoss: z.number(),
  trainTop1: z.number(),
  test: z.object({ loss: z.number(), top1: z.number(), top5: z.number(), count: z.number() }),
  /** Absent in bundles written before Temper measured validation. */
  val: z.object({ loss: z.number(), top1: z.number(), top5: z.number(), count: z.number() }).nullable().optional(),
  lr: z.number(),
  lambda: z.number(),
  seconds: z.number(),
  imagesPerSec: z.number(),
  stepsAtFloor: z.array(z.string()),
  layers: z.array(z.object({ layer: z.string() }).loose()),
});

/** Epoch lines, each checked, so a corrupt file is reported before anything is stored. */
export function readEpochLines(dir: string, from = 0): EpochMetrics[] {
  const file = path.join(dir, BUNDLE_FILES.epochs);
  return readJsonLines<unknown>(file, from).map((raw, i) => {
    const result = epochLineSchema.safeParse(raw);
    if (!result.success) throw new Error(`${file}: line ${from + i + 1}: ${result.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return { ...(raw as EpochMetrics), val: result.data.val ?? null };
  });
}

export function readStepLines(dir: string, from = 0): StepProgress[] {
  return readJsonLines<StepProgress>(path.join(dir, BUNDLE_FILES.steps), from);
}

/** The last `count` lines of the bundle's log, for a failed run's error. */
export function logTail(dir: string, count = 5): string[] {
  try {
    return fs.readFileSync(path.join(dir, BUNDLE_FILES.log), 'utf8').trimEnd().split('\n').slice(-count);
  } catch {
    return [];
  }
}
