import { z } from 'zod';
import { MODEL_NAMES, QUANTIZER_KINDS } from '../../shared/config';
import { lsqLevels } from './quantizers/fake-quant';
import { exportNodeSchema, type ExportNode } from './models/graph';

/** model.json of an exported model (docs/export-format.md); the schema is the format's definition. */
export const EXPORT_FORMAT = 'temper-export';
export const EXPORT_VERSION = 1;
export const MANIFEST_FILE = 'model.json';

export const BYTES_PER_ELEMENT = { int8: 1, int16: 2, float32: 4 } as const;
export type TensorDtype = keyof typeof BYTES_PER_ELEMENT;

const positive = z.number().positive();
const count = z.number().int().positive();

/** A little-endian binary file beside model.json holding one tensor, row-major. */
const tensorRef = z.object({
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name in the export folder'),
  dtype: z.enum(['int8', 'int16', 'float32']),
  shape: z.array(z.number().int().min(0)),
});

const levels = { bits: z.number().int().min(2).max(16), step: positive, qn: z.number().int().min(0), qp: count };

const weightSchema = z.discriminatedUnion('quantized', [
  // w = codes · step, codes = round_half_even(clip(w_latent / step, -qn, qp)) (method.md §2).
  z.object({ quantized: z.literal(true), ...levels, signed: z.literal(true), codes: tensorRef }),
  z.object({ quantized: z.literal(false), values: tensorRef }),
]);

const inputSchema = z.discriminatedUnion('quantized', [
  z.object({ quantized: z.literal(true), ...levels, signed: z.boolean() }),
  z.object({ quantized: z.literal(false) }),
]);

const layerSchema = z.object({
  quantizer: z.enum(QUANTIZER_KINDS),
  input: inputSchema,
  weight: weightSchema,
  bias: tensorRef.nullable(),
});

const batchNormSchema = z.object({ epsilon: positive, gamma: tensorRef, beta: tensorRef, mean: tensorRef, variance: tensorRef });

export const manifestSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.number().int().positive(),
  model: z.looseObject({ name: z.enum(MODEL_NAMES), inputShape: z.tuple([count, count, count]), numClasses: z.number().int().min(2) }),
  input: z.object({
    shape: z.tuple([count, count, count]),
    layout: z.literal('NHWC'),
    normalization: z.object({ mean: z.array(z.number()), std: z.array(positive) }),
  }),
  classes: z.array(z.string()).nullable(),
  source: z.record(z.string(), z.unknown()).nullable(),
  graph: z.array(exportNodeSchema).min(2),
  layers: z.record(z.string(), layerSchema),
  batchNorms: z.record(z.string(), batchNormSchema),
});

export type ExportManifest = z.infer<typeof manifestSchema>;
export type ExportLayer = z.infer<typeof layerSchema>;
export type ExportBatchNorm = z.infer<typeof batchNormSchema>;
export type TensorRef = z.infer<typeof tensorRef>;

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(root)';
}

/** Parses and checks model.json text; every error starts with `where` and names the field. */
export function parseManifest(text: string, where: string): ExportManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== EXPORT_FORMAT) throw new Error(`${where}: field 'format' is ${JSON.stringify(format)}, expected '${EXPORT_FORMAT}' (not a Temper export)`);
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && version > EXPORT_VERSION) {
    throw new Error(`${where}: format version ${version} is newer than this app reads (${EXPORT_VERSION})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${where}: field '${fieldPath(issue.path)}': ${issue.message}`);
  }
  const problem = graphProblem(parsed.data);
  if (problem) throw new Error(`${where}: ${problem}`);
  return parsed.data;
}

/** Shape of a conv2d node's HWIO kernel or a dense node's [in, out] matrix. */
export function weightShape(node: ExportNode): number[] {
  if (node.kind === 'conv2d') return [...node.attrs.kernel, node.attrs.inChannels, node.attrs.outChannels];
  if (node.kind === 'dense') return [node.attrs.inUnits, node.attrs.outUnits];
  throw new Error(`weightShape: node '${node.name}' of kind '${node.kind}' has no weights`);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** What is wrong with the graph and its parameter entries, or null: the checks zod cannot express. */
function graphProblem(m: ExportManifest): string | null {
  const seen = new Set<string>();
  for (const [i, node] of m.graph.entries()) {
    const at = `graph[${i}] ('${node.name}')`;
    if (seen.has(node.name)) return `${at}: duplicate node name`;
    if ((node.kind === 'input') !== (i === 0)) return `${at}: the first node, and only it, must be of kind 'input'`;
    const missing = node.inputs.find((input) => !seen.has(input));
    if (missing !== undefined) return `${at}: input '${missing}' is not an earlier node`;
    seen.add(node.name);
    if (node.kind === 'conv2d' || node.kind === 'dense') {
      const layer = m.layers[node.name];
      if (!layer) return `${at}: no entry layers['${node.name}']`;
      const problem = layerProblem(layer, weightShape(node));
      if (problem) return `layers['${node.name}'].${problem}`;
      if (node.kind === 'dense' && !(layer.bias && sameShape(layer.bias.shape, [node.attrs.outUnits]))) return `layers['${node.name}'].bias: expected a [${node.attrs.outUnits}] tensor`;
    }
    if (node.kind === 'batchnorm') {
      const bn = m.batchNorms[node.name];
      if (!bn) return `${at}: no entry batchNorms['${node.name}']`;
      const wrong = (['gamma', 'beta', 'mean', 'variance'] as const).find((k) => !sameShape(bn[k].shape, [node.attrs.channels]) || bn[k].dtype !== 'float32');
      if (wrong) return `batchNorms['${node.name}'].${wrong}: expected float32 of shape [${node.attrs.channels}]`;
    }
  }
  if (!sameShape(m.input.shape, m.graph[0].kind === 'input' ? m.graph[0].attrs.shape : [])) return `input.shape [${m.input.shape}] differs from graph[0].attrs.shape`;
  const channels = m.input.shape[2];
  if (m.input.normalization.mean.length !== channels || m.input.normalization.std.length !== channels) return `input.normalization: mean and std need ${channels} values (one per channel)`;
  if (m.classes && m.classes.length !== m.model.numClasses) return `classes: ${m.classes.length} names for ${m.model.numClasses} classes`;
  return null;
}

function levelsProblem(field: string, q: { bits: number; qn: number; qp: number }, signed: boolean): string | null {
  const expected = lsqLevels(q.bits, signed);
  return expected.qn === q.qn && expected.qp === q.qp ? null : `${field}: qn/qp ${q.qn}/${q.qp} do not match ${q.bits} ${signed ? 'signed' : 'unsigned'} bits (${expected.qn}/${expected.qp})`;
}

function layerProblem(layer: ExportLayer, shape: number[]): string | null {
  const { weight, input } = layer;
  const ref = weight.quantized ? weight.codes : weight.values;
  const field = weight.quantized ? 'weight.codes' : 'weight.values';
  if (!sameShape(ref.shape, shape)) return `${field}: shape [${ref.shape}], the graph node needs [${shape}]`;
  if (!weight.quantized && ref.dtype !== 'float32') return `${field}: full-precision weights must be float32, got ${ref.dtype}`;
  if (weight.quantized) {
    if (ref.dtype === 'float32') return `${field}: integer codes must be int8 or int16, got float32`;
    if (ref.dtype === 'int8' && weight.bits > 8) return `${field}: ${weight.bits}-bit codes do not fit int8`;
    const problem = levelsProblem('weight', weight, true);
    if (problem) return problem;
  }
  if (input.quantized) return levelsProblem('input', input, input.signed);
  return null;
}
