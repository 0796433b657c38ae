import * as tf from '@tensorflow/tfjs-core';
import { type Checkpoint, fail, FORMAT, type Manifest, publishCheckpoint, type TensorEntry, type TensorGroup, type TrainingProgress, VERSION } from './checkpoint-files';
import type { Model, ModelSpec } from './models';

export { type Checkpoint, loadCheckpoint, recoverCheckpoint, settleCheckpoint, type TrainingProgress } from './checkpoint-files';

export interface CheckpointContents {
  model: Model;
  optimizerSlots: Record<string, tf.Tensor>;
  progress: TrainingProgress;
  extra?: Record<string, unknown>;
}

/** Saves the model, optimizer slots and progress (published durably and atomically by publishCheckpoint). */
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

  const bin = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  publishCheckpoint(dir, bin, JSON.stringify(manifest, null, 1));
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
