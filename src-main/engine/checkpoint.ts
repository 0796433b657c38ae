import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Model, ModelSpec } from './models';

const FORMAT = 'temper-checkpoint';
const VERSION = 1;
const MANIFEST = 'checkpoint.json';
const TENSORS = 'tensors.bin';

type TensorGroup = 'model' | 'optimizer';

interface TensorEntry {
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
}

interface Manifest {
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

export interface CheckpointContents {
  model: Model;
  optimizerSlots: Record<string, tf.Tensor>;
  progress: TrainingProgress;
  extra?: Record<string, unknown>;
}

/** Writes into a fresh folder and swaps it in, so a crash never leaves a half-written checkpoint. */
export async function saveCheckpoint(dir: string, contents: CheckpointContents): Promise<void> {
  const { model, optimizerSlots, progress } = contents;
  const named: { name: string; group: TensorGroup; tensor: tf.Tensor }[] = [
    ...model.store.allVariables().map(({ name, variable }) => ({ name, group: 'model' as const, tensor: variable as tf.Tensor })),
    ...Object.entries(optimizerSlots).map(([name, tensor]) => ({ name, group: 'optimizer' as const, tensor })),
  ];
  const entries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const { name, group, tensor } of named) {
    const values = Float32Array.from(await tensor.data());
    entries.push({ name, group, shape: tensor.shape, offset, length: values.length });
    chunks.push(values);
    offset += values.length;
  }
  const initialized = Object.fromEntries(model.store.quantizers.map((q) => [q.layer, { input: q.input.initialized, weight: q.weight.initialized }]));
  const manifest: Manifest = { format: FORMAT, version: VERSION, spec: model.spec, progress, initialized, tensors: entries, extra: contents.extra ?? {} };

  const staging = `${dir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const bin = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  fs.writeFileSync(path.join(staging, TENSORS), bin);
  fs.writeFileSync(path.join(staging, MANIFEST), JSON.stringify(manifest, null, 1));
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(staging, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

function fail(dir: string, problem: string): never {
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

function describe(spec: ModelSpec): string {
  return `${spec.name} for ${spec.inputShape.join('x')} inputs and ${spec.numClasses} classes`;
}

function sameArchitecture(a: ModelSpec, b: ModelSpec): boolean {
  return a.name === b.name && a.numClasses === b.numClasses && a.inputShape.every((d, i) => d === b.inputShape[i]);
}

/**
 * Copies a checkpoint into a model of the same architecture.
 * 'resume' restores everything, quantizer steps included; 'init-from' takes weights, biases and
 * batch norm from a (usually full-precision) parent and re-initializes the weight step sizes from them.
 */
export function restoreModel(model: Model, checkpoint: Checkpoint, mode: 'resume' | 'init-from'): void {
  const { dir, manifest, tensors } = checkpoint;
  if (!sameArchitecture(model.spec, manifest.spec)) {
    fail(dir, `holds a ${describe(manifest.spec)}, but this run builds a ${describe(model.spec)}`);
  }
  const roles = new Map(model.store.trainable.map((p) => [p.name, p.role]));
  for (const { name, variable } of model.store.allVariables()) {
    if (mode === 'init-from' && roles.get(name) === 'step') continue;
    const saved = tensors.get(name);
    if (!saved || saved.group !== 'model') fail(dir, `has no tensor '${name}' (saved with another quantizer or architecture?)`);
    if (saved.shape.join(',') !== variable.shape.join(',')) {
      fail(dir, `tensor '${name}' has shape [${saved.shape}], the model expects [${variable.shape}]`);
    }
    tf.tidy(() => variable.assign(tf.tensor(saved.values, variable.shape, 'float32')));
  }
  for (const q of model.store.quantizers) {
    if (mode === 'init-from') {
      q.input.initialized = false;
      continue;
    }
    const flags = manifest.initialized[q.layer];
    if (!flags) fail(dir, `has no quantizer state for layer '${q.layer}'`);
    q.input.initialized = flags.input;
    q.weight.initialized = flags.weight;
  }
  if (mode === 'init-from') model.store.initWeightSteps();
}
