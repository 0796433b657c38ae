import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { BN_EPSILON } from './layers/batch-norm';
import type { LoadedExport, TensorData } from './export-load';
import type { QuantizedLayerEntry } from './layers/params';
import type { Model } from './models';
import type { ExportNode } from './models/graph';
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportBatchNorm, type ExportLayer, type ExportManifest, MANIFEST_FILE, parseManifest, type TensorDtype, type TensorRef } from './export-manifest';
import { lsqLevels, type QuantLevels } from './quantizers/fake-quant';
import type { Quantizer } from './quantizers/quantizer';

export interface ExportOptions {
  /** The per-channel mean and std the model was trained with: x = (pixel/255 − mean) / std. */
  normalization: { mean: number[]; std: number[] };
  /** Class names, index = label. */
  classes?: string[];
  /** Where the model came from (run id, dataset, app version...), kept as given. */
  source?: Record<string, unknown>;
}


/** round_half_even, as tf.round and the fake-quant kernel do. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return fraction > 0.5 ? floor + 1 : floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Integer codes q = round_half_even(clip(w/s, -Qn, Qp)) (method.md §2), with w/s rounded to float32
 * as the deployment forward computes it, so codes·s is exactly the weight the model used.
 */
export function weightCodes(weights: Float32Array, step: number, { qn, qp }: QuantLevels): Int8Array | Int16Array {
  const codes = qn <= 128 && qp <= 127 ? new Int8Array(weights.length) : new Int16Array(weights.length);
  for (let i = 0; i < weights.length; i++) codes[i] = roundHalfEven(Math.min(Math.max(Math.fround(weights[i] / step), -qn), qp));
  return codes;
}

/** Collects the tensors of an export in memory, each one named by its binary file. */
class TensorFiles {
  readonly tensors = new Map<string, TensorData>();

  add(owner: string, role: string, shape: number[], data: TensorData): TensorRef {
    const file = `${owner.replaceAll('/', '.')}.${role}.bin`;
    if (this.tensors.has(file)) throw new Error(`exportModel: two tensors map to the file name '${file}'`);
    this.tensors.set(file, data);
    const dtype: TensorDtype = data instanceof Float32Array ? 'float32' : data instanceof Int8Array ? 'int8' : 'int16';
    return { file, dtype, shape };
  }
}

async function finiteValues(variable: tf.Tensor, what: string): Promise<Float32Array> {
  const values = Float32Array.from(await variable.data());
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`exportModel: ${what} has a non-finite value (${values[bad]}) at index ${bad}`);
  return values;
}

/** The step size of a quantizer that has been initialized from data, checked positive. */
async function stepOf(q: Quantizer, where: string): Promise<{ step: number; levels: QuantLevels }> {
  if (!q.initialized) {
    throw new Error(`exportModel: ${where} step size was never initialized from data; evaluate or train the model before exporting it`);
  }
  const [step] = await q.step!.data();
  if (!(step > 0) || !Number.isFinite(step)) throw new Error(`exportModel: ${where} step size is ${step}; it must be a positive number`);
  return { step, levels: lsqLevels(q.bits, q.signed) };
}

async function exportLayer(entry: QuantizedLayerEntry, bias: tf.Variable | undefined, files: TensorFiles): Promise<ExportLayer> {
  const { layer, input, weight, weightVariable } = entry;
  const values = await finiteValues(weightVariable, `layer '${layer}' weight`);
  let weightEntry: ExportLayer['weight'];
  if (weight.step === null) {
    weightEntry = { quantized: false, values: files.add(layer, 'weight', weightVariable.shape, values) };
  } else {
    const { step, levels } = await stepOf(weight, `layer '${layer}' weight quantizer`);
    const codes = files.add(layer, 'codes', weightVariable.shape, weightCodes(values, step, levels));
    weightEntry = { quantized: true, bits: weight.bits, signed: true, step, ...levels, codes };
  }
  let inputEntry: ExportLayer['input'] = { quantized: false };
  if (input.step !== null) {
    const { step, levels } = await stepOf(input, `layer '${layer}' activation (input) quantizer`);
    inputEntry = { quantized: true, bits: input.bits, signed: input.signed, step, ...levels };
  }
  const biasRef = bias ? files.add(layer, 'bias', bias.shape, await finiteValues(bias, `layer '${layer}' bias`)) : null;
  return { quantizer: weight.kind, input: inputEntry, weight: weightEntry, bias: biasRef };
}

function checkOptions(model: Model, options: ExportOptions): void {
  const channels = model.spec.inputShape[2];
  const { mean, std } = options.normalization ?? {};
  if (!Array.isArray(mean) || mean.length !== channels || !mean.every(Number.isFinite)) {
    throw new Error(`exportModel: options.normalization.mean must be ${channels} finite numbers (one per channel), got ${JSON.stringify(mean)}`);
  }
  if (!Array.isArray(std) || std.length !== channels || !std.every((s) => s > 0 && Number.isFinite(s))) {
    throw new Error(`exportModel: options.normalization.std must be ${channels} positive numbers (one per channel), got ${JSON.stringify(std)}`);
  }
  if (options.classes && options.classes.length !== model.spec.numClasses) {
    throw new Error(`exportModel: options.classes has ${options.classes.length} names, the model has ${model.spec.numClasses} classes`);
  }
}

/** Parameters of every conv2d, dense and batchnorm node of the graph, read from the model. */
async function exportParameters(model: Model, graph: ExportNode[], files: TensorFiles) {
  const variables = new Map(model.store.allVariables().map(({ name, variable }) => [name, variable]));
  const variable = (name: string) => {
    const v = variables.get(name);
    if (!v) throw new Error(`exportModel: the model has no variable '${name}' for its graph`);
    return v;
  };
  const layers: Record<string, ExportLayer> = {};
  const batchNorms: Record<string, ExportBatchNorm> = {};
  for (const node of graph) {
    if (node.kind === 'conv2d' || node.kind === 'dense') {
      const entry = model.store.quantizers.find((q) => q.layer === node.name);
      if (!entry) throw new Error(`exportModel: graph node '${node.name}' has no quantized layer in the model`);
      layers[node.name] = await exportLayer(entry, node.kind === 'dense' ? variable(`${node.name}/bias`) : undefined, files);
    } else if (node.kind === 'batchnorm') {
      const tensor = async (role: string, name: string) => files.add(node.name, role, [node.attrs.channels], await finiteValues(variable(`${node.name}/${name}`), `batch norm '${node.name}' ${name}`));
      batchNorms[node.name] = {
        epsilon: BN_EPSILON,
        gamma: await tensor('gamma', 'gamma'),
        beta: await tensor('beta', 'beta'),
        mean: await tensor('mean', 'running_mean'),
        variance: await tensor('variance', 'running_var'),
      };
    }
  }
  const missing = model.store.quantizers.find((q) => !(q.layer in layers));
  if (missing) throw new Error(`exportModel: layer '${missing.layer}' of the model is missing from its graph()`);
  return { layers, batchNorms };
}

/** `model`'s export in memory: the checked manifest and every tensor by file name (docs/export-format.md). */
export async function buildExport(model: Model, options: ExportOptions): Promise<Pick<LoadedExport, 'manifest' | 'tensors'>> {
  checkOptions(model, options);
  const graph = model.graph();
  const files = new TensorFiles();
  const { layers, batchNorms } = await exportParameters(model, graph, files);
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    model: { ...model.spec },
    input: { shape: [...model.spec.inputShape], layout: 'NHWC', normalization: { mean: [...options.normalization.mean], std: [...options.normalization.std] } },
    classes: options.classes ? [...options.classes] : null,
    source: options.source ?? null,
    graph,
    layers,
    batchNorms,
  };
  // The reader's checks, run on what we are about to hand out: a mismatch is a bug here, not in the file.
  parseManifest(JSON.stringify(manifest), `exportModel: the ${MANIFEST_FILE} being written`);
  return { manifest, tensors: files.tensors };
}

/**
 * Writes `model` as a deployable quantized model into `dir` (docs/export-format.md): model.json and one
 * binary file per tensor. The folder is written beside `dir` and renamed into place; an existing export
 * there is replaced whole, any other existing folder is refused.
 */
export async function exportModel(model: Model, dir: string, options: ExportOptions): Promise<ExportManifest> {
  const { manifest, tensors } = await buildExport(model, options);
  const files = new Map<string, Uint8Array>();
  for (const [file, data] of tensors) files.set(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  files.set(MANIFEST_FILE, new TextEncoder().encode(JSON.stringify(manifest, null, 1)));
  writeFolderAtomically(dir, files);
  return manifest;
}

/** An existing folder may be replaced only when it is empty or holds a Temper export. */
function assertReplaceable(dir: string): void {
  if (!fs.statSync(dir).isDirectory()) throw new Error(`exportModel: ${dir} exists and is not a folder; refusing to replace it`);
  if (fs.readdirSync(dir).length === 0) return;
  let format: unknown;
  try {
    format = (JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as { format?: unknown }).format;
  } catch {
    format = undefined;
  }
  if (format !== EXPORT_FORMAT) throw new Error(`exportModel: ${dir} exists and is not a Temper export (no ${MANIFEST_FILE} of format '${EXPORT_FORMAT}'); refusing to replace it`);
}

/** Staging folder beside `dir`, then renames, so readers see the old export or the new one, never a mix. */
function writeFolderAtomically(dir: string, files: Map<string, Uint8Array>): void {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const exists = fs.existsSync(target);
  if (exists) assertReplaceable(target);
  const tag = `${process.pid}-${Date.now()}`;
  const staging = `${target}.staging-${tag}`;
  try {
    fs.mkdirSync(staging);
    for (const [file, bytes] of files) fs.writeFileSync(path.join(staging, file), bytes);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`exportModel: could not write ${staging}: ${(error as Error).message}`);
  }
  const old = `${target}.replaced-${tag}`;
  if (exists) fs.renameSync(target, old);
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    if (exists) fs.renameSync(old, target);
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`exportModel: could not move the export into ${target}: ${(error as Error).message}`);
  }
  if (exists) fs.rmSync(old, { recursive: true, force: true });
}
