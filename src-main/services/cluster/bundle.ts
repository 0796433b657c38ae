import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseTrainConfig, type TrainConfig } from '../../../shared/config';
import { describeIssues } from '../../../shared/metrics-schemas';
import { datasetNameSchema, runNameSchema } from '../../../shared/names';
import { DATASET_FORMATS } from '../../data/dataset';
import { readJsonFile } from './bundle-files';

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

const text = (max: number) => z.string().max(max);
const fraction = z.number().min(0).max(1);

/** The sweep a bundle was emitted in: the sweep's id, its place in the job array, the cluster profile it was written for. */
const sweepSchema = z.strictObject({
  id: text(200),
  index: z.number().int().min(0),
  tasks: z.number().int().min(1),
  profile: text(200).nullable(),
});

/** Strict: a key Temper does not write is refused, not carried along unchecked. */
const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(1),
  /** Unique per bundle: the store links a run to it, so one bundle is never imported twice. */
  id: z.string().regex(/^[A-Za-z0-9-]{8,100}$/, 'expected 8 to 100 letters, digits or "-"'),
  name: runNameSchema.nullable(),
  config: z.unknown(),
  dataset: z.strictObject({
    name: datasetNameSchema,
    contentHash: text(200),
    format: z.enum(DATASET_FORMATS),
    /** sha256 of the cache files; the cache lives in `<datasets>/<checksum>/`. */
    checksum: z.string().regex(/^[0-9a-f]{64}$/),
    /** The folder holding the dataset caches, relative to the bundle. */
    datasets: text(4096),
  }),
  parent: z.strictObject({ runId: z.number().int().min(1), finalTop1: fraction.nullable() }).nullable(),
  appVersion: text(200),
  createdAt: text(200),
  /** Absent from bundles written before sweeps were sealed; `runs import` refuses those. */
  sweep: sweepSchema.optional(),
  /** sha256 over the rest of bundle.json, written at emit: an import refuses a bundle changed since (bundleSeal). */
  seal: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256').optional(),
});

export type RunBundle = Omit<z.infer<typeof bundleSchema>, 'config'> & { config: TrainConfig };

const resultSchema = z.object({
  status: z.enum(['completed', 'stopped', 'failed']),
  finalTop1: fraction.nullable(),
  /** Test top-1 at the best-validation epoch of the task's own epochs (the store chooses over all imported ones). */
  bestTop1: fraction.nullable(),
  error: text(20_000).nullable(),
  /** The signal that stopped the run (a scancel, Slurm's time limit), when one did. */
  signal: text(100).nullable(),
  backend: text(200).nullable(),
  device: text(200).nullable(),
  finishedAt: text(200),
});

export type BundleResult = z.infer<typeof resultSchema>;

const statusSchema = z.object({
  state: z.enum(['starting', 'running', 'completed', 'stopped', 'failed']),
  host: text(300),
  pid: z.number().int().min(0),
  backend: text(200).nullable(),
  device: text(200).nullable(),
  epoch: z.number().int().min(0).max(10_000),
  step: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  totalSteps: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  checkpointEpoch: z.number().int().min(0).max(10_000).nullable(),
  heartbeatAt: text(200),
  /** The test images the run is evaluated on; absent in bundles written before Temper recorded it. */
  testSet: z.object({ images: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), hash: text(64) }).optional(),
});

export type BundleStatus = z.infer<typeof statusSchema>;

/** Writes beside the file and renames over it, so a reader never sees half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const staging = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staging, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(staging, file);
}

function checked<T>(file: string, schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`${file}: ${describeIssues(result.error)}`);
  return result.data;
}

/** JSON with its object keys sorted, at every depth: the same value always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The seal of a bundle: sha256 over bundle.json as written, less its seal (so any field changed after emit shows). */
export function bundleSeal(bundle: object): string {
  const { seal: _seal, ...rest } = JSON.parse(JSON.stringify(bundle)) as Record<string, unknown>;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** The bundle's description, checked field by field; the error names the file and the field. */
export function readBundle(dir: string): RunBundle {
  const file = path.join(dir, BUNDLE_FILES.bundle);
  const json = readJsonFile(file);
  if (json === undefined) throw new Error(`${file}: missing`);
  const raw = checked(file, bundleSchema, json);
  let config: TrainConfig;
  try {
    config = parseTrainConfig(raw.config);
  } catch (error) {
    throw new Error(`${file}: config: ${(error as Error).message}`);
  }
  if (raw.seal !== undefined && raw.seal !== bundleSeal(json as object)) {
    throw new Error(`${file}: seal: the bundle was changed after it was emitted (its fields no longer match the seal written then); refused`);
  }
  return { ...raw, config };
}

/** Writes bundle.json with its seal. */
export function writeBundle(dir: string, bundle: RunBundle): RunBundle {
  fs.mkdirSync(dir, { recursive: true });
  const { seal: _old, ...rest } = bundle;
  const sealed = { ...rest, seal: bundleSeal(rest) };
  writeJsonAtomic(path.join(dir, BUNDLE_FILES.bundle), sealed);
  return sealed;
}

/** How the run ended, or undefined while it has not. */
export function readResult(dir: string): BundleResult | undefined {
  const file = path.join(dir, BUNDLE_FILES.result);
  const raw = readJsonFile(file);
  return raw === undefined ? undefined : checked(file, resultSchema, raw);
}

export function readStatus(dir: string): BundleStatus | undefined {
  const file = path.join(dir, BUNDLE_FILES.status);
  const raw = readJsonFile(file);
  return raw === undefined ? undefined : checked(file, statusSchema, raw);
}

/** How much of a log's end logTail reads. */
const LOG_TAIL_BYTES = 16 << 10;

/** The last `count` lines of the bundle's log, for a failed run's error. */
export function logTail(dir: string, count = 5): string[] {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(dir, BUNDLE_FILES.log), 'r');
    // Only the file's end is read: a log may be long.
    const tail = Buffer.alloc(Math.min(LOG_TAIL_BYTES, fs.fstatSync(fd).size));
    fs.readSync(fd, tail, 0, tail.length, fs.fstatSync(fd).size - tail.length);
    return tail.toString('utf8').trimEnd().split('\n').slice(-count).map((line) => line.slice(0, 500));
  } catch {
    return [];
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
