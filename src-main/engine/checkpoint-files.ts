import fs from 'node:fs';
import path from 'node:path';
import type { ModelSpec } from './models/model';

/**
 * A checkpoint's files: reading one back, publishing one durably, and putting one back after a kill
 * mid-swap. No tfjs here, so the services can settle checkpoints without loading the engine.
 */

export const FORMAT = 'temper-checkpoint';
export const VERSION = 1;
/** A checkpoint folder's manifest: present once a checkpoint is whole. */
export const CHECKPOINT_MANIFEST = 'checkpoint.json';
const MANIFEST = CHECKPOINT_MANIFEST;
const TENSORS = 'tensors.bin';

export type TensorGroup = 'model' | 'optimizer';

export interface TensorEntry {
  name: string;
  group: TensorGroup;
  shape: number[];
  /** Offset and length in float32 elements within tensors.bin. */
  offset: number;
  length: number;
}

/** Where training stands, saved beside the tensors so a resumed run continues exactly. */
export interface TrainingProgress {
  epoch: number;
  step: number;
  /** State of the stream that seeds quantizer noise. */
  noiseRng: number[];
  /** Rows per forward/backward pass the run trained with (null: the whole batch); absent in older checkpoints. */
  microBatch?: number | null;
}

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  spec: ModelSpec;
  progress: TrainingProgress;
  /** Which quantizers have had their step size initialized from data, by layer. */
  initialized: Record<string, { input: boolean; weight: boolean }>;
  tensors: TensorEntry[];
  extra: Record<string, unknown>;
}

export interface Checkpoint {
  dir: string;
  manifest: Manifest;
  tensors: Map<string, { group: TensorGroup; shape: number[]; values: Float32Array }>;
}

/**
 * Writes a checkpoint's two files into a fresh folder, flushed to the disk, and swaps it in with two
 * renames, so a crash never leaves a half-written checkpoint in place.
 */
export function publishCheckpoint(dir: string, bin: Buffer, manifestJson: string): void {
  const staging = `${dir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  // On the disk before the rename publishes them: a power loss must not leave a published, empty checkpoint.
  writeFileDurably(path.join(staging, TENSORS), bin);
  writeFileDurably(path.join(staging, MANIFEST), manifestJson);
  fsyncFolder(staging);
  // A kill between these two renames leaves no `dir`, but a whole staging and old copy: recoverCheckpoint picks one.
  const old = `${dir}.old-${process.pid}`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(staging, dir);
  fsyncFolder(path.dirname(dir));
  fs.rmSync(old, { recursive: true, force: true });
}

function writeFileDurably(file: string, data: string | Buffer): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a folder's entries (new files, renames) durable. */
function fsyncFolder(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The staging (`tmp`) and previous (`old`) copies saveCheckpoint leaves beside `dir` when killed, with their writer's pid. */
function leftovers(dir: string): { path: string; kind: 'tmp' | 'old'; pid: number }[] {
  const base = path.basename(dir);
  const names = fs.existsSync(path.dirname(dir)) ? fs.readdirSync(path.dirname(dir)) : [];
  return names.flatMap((name) => {
    const match = name.startsWith(base) ? /^\.(tmp|old)-(\d+)$/.exec(name.slice(base.length)) : null;
    return match ? [{ path: path.join(path.dirname(dir), name), kind: match[1] as 'tmp' | 'old', pid: Number(match[2]) }] : [];
  });
}

/**
 * Puts a checkpoint back in place after a kill between saveCheckpoint's two renames: the newer
 * (staging) copy when it is whole, else the older one. Only for a run no live process is saving
 * (`mayTake` says which writers' copies may be taken). Returns whether `dir` now holds a checkpoint.
 */
export function recoverCheckpoint(dir: string, mayTake: (pid: number) => boolean = () => true): boolean {
  if (fs.existsSync(dir)) return true;
  const candidates = leftovers(dir)
    .filter((c) => mayTake(c.pid))
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'tmp' ? -1 : 1));
  for (const candidate of candidates) {
    try {
      loadCheckpoint(candidate.path);
    } catch {
      continue; // cut short while it was written
    }
    fs.renameSync(candidate.path, dir);
    fsyncFolder(path.dirname(dir));
    return true;
  }
  return false;
}

/** Recovers `dir` if a dead writer left it half swapped, then deletes the copies dead writers left beside it. */
export function settleCheckpoint(dir: string, isAlive: (pid: number) => boolean): void {
  recoverCheckpoint(dir, (pid) => !isAlive(pid));
  for (const leftover of leftovers(dir)) if (!isAlive(leftover.pid)) fs.rmSync(leftover.path, { recursive: true, force: true });
}

export function fail(dir: string, problem: string): never {
  throw new Error(`Checkpoint ${dir}: ${problem}`);
}

export function loadCheckpoint(dir: string): Checkpoint {
  const manifestPath = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifestPath)) fail(dir, `no ${MANIFEST} (not a checkpoint folder)`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (error) {
    fail(dir, `${MANIFEST} is not valid JSON (${(error as Error).message})`);
  }
  if (manifest.format !== FORMAT) fail(dir, `${MANIFEST} has format '${String(manifest.format)}', expected '${FORMAT}'`);
  if (manifest.version > VERSION) fail(dir, `format version ${manifest.version} is newer than this app reads (${VERSION})`);
  const bin = fs.readFileSync(path.join(dir, TENSORS));
  const expected = manifest.tensors.reduce((n, t) => n + t.length, 0) * 4;
  if (bin.length !== expected) fail(dir, `${TENSORS} has ${bin.length} bytes, the manifest lists ${expected} (truncated or corrupt)`);
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
  const tensors: Checkpoint['tensors'] = new Map();
  for (const t of manifest.tensors) tensors.set(t.name, { group: t.group, shape: t.shape, values: all.subarray(t.offset, t.offset + t.length) });
  return { dir, manifest, tensors };
}

