import fs from 'node:fs';
import path from 'node:path';
import type { ExportLayer, ExportManifest } from '../export-manifest';
import type { LoadedExport, TensorData } from '../export-load';
import type { ExportNode } from '../models/graph';
import { OnnxGraphBuilder, tensorValueInfo } from './onnx-graph';
import { ONNX_DTYPE, onnxModelType } from './onnx-schema';

/**
 * ONNX opset 13: QuantizeLinear/DequantizeLinear with int8/uint8 and per-tensor scales, which every
 * runtime with a quantized path reads (ONNX Runtime, TensorRT, OpenVINO). Opset 21's int4/uint4 would
 * hold 4-bit codes only; 2- and 3-bit codes still need the clip, so narrower codes live in int8/uint8.
 * IR version 7 is the one released with opset 13.
 */
export const ONNX_OPSET = 13;
const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'pixels';
export const ONNX_OUTPUT = 'logits';

/** An ONNX value and its layout: a 4-D activation is NCHW [channels, height, width], a 2-D one [features]. */
interface Value {
  name: string;
  shape: number[];
}

/** TensorFlow's "same" padding of one spatial axis: output size and the padding before and after. */
function samePadding(size: number, kernel: number, stride: number): { out: number; before: number; after: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

/** Kernel shape, strides and explicit ONNX pads [hBegin, wBegin, hEnd, wEnd] for a "same" window on [C, H, W]. */
function window(shape: number[], kernel: [number, number], strides: [number, number]) {
  const h = samePadding(shape[1], kernel[0], strides[0]);
  const w = samePadding(shape[2], kernel[1], strides[1]);
  return { out: [h.out, w.out], attrs: { kernel_shape: { ints: kernel }, strides: { ints: strides }, pads: { ints: [h.before, w.before, h.after, w.after] } } };
}

/** HWIO conv kernel → ONNX's OIHW, any element type. */
function hwioToOihw<T extends TensorData>(data: T, [kh, kw, ci, co]: number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o];
  }
  return out;
}

class Translator {
  readonly g = new OnnxGraphBuilder();

  constructor(private readonly contents: Pick<LoadedExport, 'manifest' | 'tensors'>) {}

  private tensor(file: string): TensorData {
    return this.contents.tensors.get(file)!;
  }

  /**
   * Normalized input, exactly Temper's float32 values: a table of (p/255 − mean[c]) / std[c] for every
   * pixel value p and channel c, indexed by c·256 + p, then NHWC → NCHW.
   */
  input(shape: [number, number, number]): Value {
    const [h, w, c] = shape;
    const { mean, std } = this.contents.manifest.input.normalization;
    const table = new Float32Array(256 * c);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < 256; p++) table[ch * 256 + p] = p * (1 / (255 * std[ch])) + -mean[ch] / std[ch];
    const g = this.g;
    const pixels = g.node('Cast', [g.input(ONNX_INPUT)], 'input/int64', { to: { int: ONNX_DTYPE.int64 } });
    const offsets = g.constant('input/channel_offsets', [c], BigInt64Array.from({ length: c }, (_, ch) => BigInt(ch * 256)));
    const index = g.node('Add', [pixels, offsets], 'input/index');
    const normalized = g.node('Gather', [g.constant('input/normalization_table', [256 * c], table), index], 'input/nhwc', { axis: { int: 0 } });
    return { name: g.node('Transpose', [normalized], 'input', { perm: { ints: [0, 3, 1, 2] } }), shape: [c, h, w] };
  }

  /** x̂ = DequantizeLinear(QuantizeLinear(x)): the layer's input activation quantizer, clipped to its bits. */
  quantizeInput(layer: string, x: Value, input: ExportLayer['input']): Value {
    if (!input.quantized) return x;
    const g = this.g;
    const step = g.scalar(`${layer}/input/step`, input.step);
    const zero = g.constant(`${layer}/input/zero_point`, [], input.signed ? Int8Array.of(0) : Uint8Array.of(0));
    let clipped = x.name;
    // The int8/uint8 container saturates at 8 bits; narrower codes need the range [−qn, qp] cut first.
    if (input.bits < 8) {
      clipped = g.node('Clip', [x.name, g.scalar(`${layer}/input/min`, -input.qn * input.step), g.scalar(`${layer}/input/max`, input.qp * input.step)], `${layer}/input/clipped`);
    }
    const codes = g.node('QuantizeLinear', [clipped, step, zero], `${layer}/input/codes`);
    return { name: g.node('DequantizeLinear', [codes, step, zero], `${layer}/input/dequantized`), shape: x.shape };
  }

  /** The layer's weights: DequantizeLinear(int8 codes, step) or float32 values, conv kernels as OIHW. */
  weight(layer: string, weight: ExportLayer['weight'], conv: boolean): string {
    const g = this.g;
    const ref = weight.quantized ? weight.codes : weight.values;
    const [dims, data] = conv ? [[ref.shape[3], ref.shape[2], ref.shape[0], ref.shape[1]], hwioToOihw(this.tensor(ref.file), ref.shape)] : [ref.shape, this.tensor(ref.file)];
    if (!weight.quantized) return g.constant(`${layer}/weight`, dims, data as Float32Array);
    if (!(data instanceof Int8Array)) throw new Error(`exportOnnx: layer '${layer}' has ${weight.bits}-bit weight codes; ONNX opset ${ONNX_OPSET} quantizes to 8 bits at most`);
    const codes = g.constant(`${layer}/weight/codes`, dims, data);
    return g.node('DequantizeLinear', [codes, g.scalar(`${layer}/weight/step`, weight.step), g.constant(`${layer}/weight/zero_point`, [], Int8Array.of(0))], `${layer}/weight`);
  }

  node(node: ExportNode, inputs: Value[]): Value {
    const g = this.g;
    const [a, b] = inputs;
    const same = (op: string, extra: string[] = [], attrs = {}) => ({ name: g.node(op, [a.name, ...extra], node.name, attrs), shape: a.shape });
    switch (node.kind) {
      case 'input':
        return this.input(node.attrs.shape);
      case 'conv2d': {
        const layer = this.contents.manifest.layers[node.name];
        const x = this.quantizeInput(node.name, a, layer.input);
        const { out, attrs } = window(a.shape, node.attrs.kernel, node.attrs.strides);
        return { name: g.node('Conv', [x.name, this.weight(node.name, layer.weight, true)], node.name, attrs), shape: [node.attrs.outChannels, ...out] };
      }
      case 'dense': {
        const layer = this.contents.manifest.layers[node.name];
        const x = this.quantizeInput(node.name, a, layer.input);
        const product = g.node('MatMul', [x.name, this.weight(node.name, layer.weight, false)], `${node.name}/matmul`);
        const bias = g.constant(`${node.name}/bias`, layer.bias!.shape, this.tensor(layer.bias!.file) as Float32Array);
        return { name: g.node('Add', [product, bias], node.name), shape: [node.attrs.outUnits] };
      }
      case 'batchnorm': {
        const bn = this.contents.manifest.batchNorms[node.name];
        const params = (['gamma', 'beta', 'mean', 'variance'] as const).map((k) => g.constant(`${node.name}/${k}`, bn[k].shape, this.tensor(bn[k].file) as Float32Array));
        return same('BatchNormalization', params, { epsilon: { float: bn.epsilon } });
      }
      case 'relu':
        return same('Relu');
      case 'softplus':
        return same('Softplus');
      case 'add':
        return same('Add', [b.name]);
      case 'flatten': {
        // Temper flattens NHWC, so the channels go last again before Flatten.
        const nhwc = a.shape.length === 3 ? g.node('Transpose', [a.name], `${node.name}/nhwc`, { perm: { ints: [0, 2, 3, 1] } }) : a.name;
        return { name: g.node('Flatten', [nhwc], node.name, { axis: { int: 1 } }), shape: [a.shape.reduce((n, d) => n * d, 1)] };
      }
      case 'global-avg-pool': {
        const pooled = g.node('GlobalAveragePool', [a.name], `${node.name}/nc11`);
        return { name: g.node('Flatten', [pooled], node.name, { axis: { int: 1 } }), shape: [a.shape[0]] };
      }
      case 'max-pool': {
        const { out, attrs } = window(a.shape, node.attrs.size, node.attrs.strides);
        return { name: g.node('MaxPool', [a.name], node.name, attrs), shape: [a.shape[0], ...out] };
      }
      case 'pad-shortcut': {
        const { strides, inChannels, outChannels, offset } = node.attrs;
        const big = Number.MAX_SAFE_INTEGER;
        const picked = g.node('Slice', [a.name, g.int64s(`${node.name}/starts`, [0, 0]), g.int64s(`${node.name}/ends`, [big, big]), g.int64s(`${node.name}/axes`, [2, 3]), g.int64s(`${node.name}/steps`, strides)], `${node.name}/picked`);
        const pads = g.int64s(`${node.name}/pads`, [0, offset, 0, 0, 0, outChannels - inChannels - offset, 0, 0]);
        return { name: g.node('Pad', [picked, pads], node.name), shape: [outChannels, Math.ceil(a.shape[1] / strides[0]), Math.ceil(a.shape[2] / strides[1])] };
      }
    }
  }
}

/** What the file says about itself (ModelProto.metadata_props), all strings. */
function metadata(manifest: ExportManifest, temperVersion: string): Record<string, string> {
  const source = manifest.source ?? {};
  return {
    'temper.format': 'temper-onnx',
    'temper.version': temperVersion,
    'temper.run': source.run === undefined ? '' : String(source.run),
    'temper.dataset': typeof source.dataset === 'string' ? source.dataset : '',
    'temper.classes': JSON.stringify(manifest.classes),
    'temper.model': JSON.stringify(manifest.model),
    'temper.input': `${ONNX_INPUT}: uint8 [batch, ${manifest.input.shape.join(', ')}] NHWC raw pixels 0-255; normalization mean ${JSON.stringify(manifest.input.normalization.mean)} std ${JSON.stringify(manifest.input.normalization.std)} is inside the graph`,
  };
}

/**
 * An exported model (docs/export-format.md) as an ONNX file (docs/onnx-export.md): the same graph,
 * codes and step sizes, with QuantizeLinear/DequantizeLinear where Temper quantizes. Returns the bytes.
 */
export function onnxFromExport(contents: Pick<LoadedExport, 'manifest' | 'tensors'>, temperVersion: string): Uint8Array {
  const { manifest } = contents;
  const translator = new Translator(contents);
  const values = new Map<string, Value>();
  for (const node of manifest.graph) values.set(node.name, translator.node(node, node.inputs.map((name) => values.get(name)!)));
  const last = values.get(manifest.graph[manifest.graph.length - 1].name)!;
  translator.g.node('Identity', [last.name], ONNX_OUTPUT);
  return encodeOnnxModel(translator.g, {
    name: `temper-${manifest.model.name}`,
    doc: `Temper ${manifest.model.name}, ${JSON.stringify(manifest.model.quant)}; input: raw uint8 NHWC pixels, output: logits`,
    inputs: [tensorValueInfo(ONNX_INPUT, 'uint8', ['batch', ...manifest.input.shape])],
    outputs: [tensorValueInfo(ONNX_OUTPUT, 'float', ['batch', manifest.model.numClasses])],
    metadata: metadata(manifest, temperVersion),
    temperVersion,
  });
}

export interface OnnxModelParts {
  name: string;
  doc: string;
  inputs: Record<string, unknown>[];
  outputs: Record<string, unknown>[];
  metadata: Record<string, string>;
  temperVersion: string;
}

/** A ModelProto of opset 13 around the builder's graph, checked against the schema and encoded. */
export function encodeOnnxModel(g: OnnxGraphBuilder, parts: OnnxModelParts): Uint8Array {
  const modelType = onnxModelType();
  const model = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'temper',
    producer_version: parts.temperVersion,
    model_version: 1,
    doc_string: parts.doc,
    graph: { name: parts.name, node: g.nodes, initializer: g.initializers, input: parts.inputs, output: parts.outputs },
    metadata_props: Object.entries(parts.metadata).map(([key, value]) => ({ key, value })),
  };
  const problem = modelType.verify(model);
  if (problem) throw new Error(`exportOnnx: the ONNX model being written does not match onnx.proto: ${problem}`);
  return modelType.encode(modelType.fromObject(model)).finish();
}

/** Writes ONNX bytes to `file` (which must end in .onnx) through a staging file renamed into place. */
export function writeOnnxFile(file: string, bytes: Uint8Array): void {
  const target = path.resolve(file);
  if (!target.endsWith('.onnx')) throw new Error(`exportOnnx: ${file}: the output file name must end in .onnx`);
  if (fs.existsSync(target) && !fs.statSync(target).isFile()) throw new Error(`exportOnnx: ${file} exists and is not a file; refusing to replace it`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = `${target}.staging-${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(staging, bytes);
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { force: true });
    throw new Error(`exportOnnx: could not write ${target}: ${(error as Error).message}`);
  }
}
