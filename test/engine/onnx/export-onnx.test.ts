import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchSource, type ImageSet } from '../../../src-main/data/batches';
import { selectBackend } from '../../../src-main/engine/backend';
import { buildExport, exportModel } from '../../../src-main/engine/export';
import { createExportRunner, evaluateExport, loadExport } from '../../../src-main/engine/export-eval';
import { evaluateOnnx, loadOnnxClassifier } from '../../../src-main/engine/onnx/eval-onnx';
import { encodeOnnxModel, ONNX_OPSET, onnxFromExport, writeOnnxFile } from '../../../src-main/engine/onnx/export-onnx';
import { OnnxGraphBuilder, tensorValueInfo } from '../../../src-main/engine/onnx/onnx-graph';
import { onnxModelType } from '../../../src-main/engine/onnx/onnx-schema';
import type { Model } from '../../../src-main/engine/models';
import { gratings } from '../../helpers/gratings';
import { initializedResnet18, trainedModel } from '../../helpers/trained';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'temper-onnx-'));

async function bothExports(model: Model, test: ImageSet) {
  const options = { normalization: { mean: test.mean, std: test.std }, classes: Array.from({ length: 10 }, (_, i) => `c${i}`), source: { run: 7, dataset: 'gratings' } };
  const dir = tmp();
  await exportModel(model, path.join(dir, 'export'), options);
  const file = path.join(dir, 'model.onnx');
  writeOnnxFile(file, onnxFromExport(await buildExport(model, options), '9.9.9'));
  return { dir: path.join(dir, 'export'), file };
}

/** Temper's export runner on the normalized images and ONNX Runtime on the raw pixels: logits of both. */
async function logitsOfBoth(dir: string, file: string, test: ImageSet) {
  const runner = createExportRunner(loadExport(dir));
  const temper: number[] = [];
  for await (const { x, y } of createBatchSource(test, { batchSize: 100, shuffle: false, seed: 0, dropLast: false }).batches(0)) {
    temper.push(...(await runner.apply(x).data()));
    tf.dispose([x, y]);
  }
  runner.dispose();
  const onnx = await loadOnnxClassifier(file);
  const ort = Array.from(await onnx.logits(test.images, test.labels.length));
  await onnx.release();
  return { temper, ort };
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('ONNX export agrees with Temper', () => {
  const cases = [
    ['mlp', 'fp', 8], ['mlp', 'lsq', 2], ['mlp', 'nt', 8],
    ['cnn-small', 'fp', 8], ['cnn-small', 'nt', 2], ['cnn-small', 'lsq', 4],
    ['resnet20', 'nt', 4], ['resnet20', 'lsq', 8], ['resnet18', 'lsq', 3],
  ] as const;
  it.each(cases)('%s %s %i-bit: ONNX Runtime top-1 equals eval-export, logits within tolerance', async (name, quantizer, bits) => {
    const { model, test } = name === 'resnet18' ? initializedResnet18() : await trainedModel(name, quantizer, 8, bits);
    const count = test.labels.length;
    const { dir, file } = await bothExports(model, test);
    const temper = await evaluateExport(dir, test);
    const ort = await evaluateOnnx(file, test);
    expect(ort.count).toBe(count);
    expect(ort.top1).toBe(temper.top1);
    const logits = await logitsOfBoth(dir, file, test);
    const scale = Math.max(1, ...logits.temper.map(Math.abs));
    const images = Array.from({ length: count }, (_, i) => ({ temper: logits.temper.slice(i * 10, i * 10 + 10), ort: logits.ort.slice(i * 10, i * 10 + 10) }));
    const close = images.filter((im) => im.temper.every((v, j) => Math.abs(v - im.ort[j]) <= 1e-5 * scale)).length;
    const argmax = (row: number[]) => row.indexOf(Math.max(...row));
    const sameClass = images.filter((im) => argmax(im.temper) === argmax(im.ort)).length;
    if (name === 'resnet20') {
      // Twenty layers deep, an activation within float32 rounding of a bin boundary now and then
      // takes the neighbouring code in one library: that image's logits move, the rest agree.
      expect(close).toBeGreaterThanOrEqual(80);
      expect(sameClass).toBeGreaterThanOrEqual(97);
    } else {
      expect(close).toBe(count);
      expect(sameClass).toBe(count);
    }
    model.store.dispose();
  }, 60_000);
});

interface DecodedModel {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  metadata_props: { key: string; value: string }[];
  graph: {
    node: { op_type: string; name: string; input: string[] }[];
    initializer: { name: string; data_type: number; dims: number[]; raw_data: Uint8Array }[];
    input: { name: string; type: { tensor_type: { elem_type: number } } }[];
  };
}

const decode = (file: string) => onnxModelType().toObject(onnxModelType().decode(fs.readFileSync(file)), { longs: Number, defaults: true }) as DecodedModel;
const opCount = (m: DecodedModel, op: string) => m.graph.node.filter((n) => n.op_type === op).length;

describe('ONNX file contents', () => {
  it('holds int8 weight codes with DequantizeLinear, Q/DQ pairs with a Clip below 8 bits, the metadata, and loads optimized', async () => {
    const { model, test } = await trainedModel('cnn-small', 'lsq', 8, 4);
    const { dir, file } = await bothExports(model, test);
    const m = decode(file);
    expect(m.ir_version).toBe(7);
    expect(m.opset_import).toEqual([{ domain: '', version: ONNX_OPSET }]);
    expect(m.producer_name).toBe('temper');
    const meta = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ 'temper.run': '7', 'temper.dataset': 'gratings', 'temper.version': '9.9.9', 'temper.classes': JSON.stringify(Array.from({ length: 10 }, (_, i) => `c${i}`)) });
    expect(JSON.parse(meta['temper.model'])).toMatchObject({ name: 'cnn-small', quant: { quantizer: 'lsq', bits: 4, firstLastBits: 8 } });

    // Five layers: conv1 (8-bit signed input), conv2-4 (4-bit unsigned input, clipped), classifier (8-bit).
    expect(opCount(m, 'QuantizeLinear')).toBe(5);
    expect(opCount(m, 'DequantizeLinear')).toBe(10);
    expect(opCount(m, 'Clip')).toBe(3);
    expect(opCount(m, 'BatchNormalization')).toBe(4);
    const init = new Map(m.graph.initializer.map((t) => [t.name, t]));
    expect(init.get('conv1/conv/input/zero_point')!.data_type).toBe(3); // int8: signed input
    expect(init.get('conv2/conv/input/zero_point')!.data_type).toBe(2); // uint8: after ReLU
    const scalar = (name: string) => new Float32Array(Uint8Array.from(init.get(name)!.raw_data).buffer)[0];
    expect(scalar('conv2/conv/input/max')).toBe(Math.fround(15 * scalar('conv2/conv/input/step')));

    // conv2's codes are the export's codes, HWIO → OIHW.
    const layer = loadExport(dir).manifest.layers['conv2/conv'];
    if (!layer.weight.quantized) throw new Error('conv2 should be quantized');
    const codes = new Int8Array(fs.readFileSync(path.join(dir, layer.weight.codes.file)));
    const [kh, kw, ci, co] = layer.weight.codes.shape;
    const onnxCodes = init.get('conv2/conv/weight/codes')!;
    expect(onnxCodes.data_type).toBe(3);
    expect(onnxCodes.dims).toEqual([co, ci, kh, kw]);
    const oihw = new Int8Array(Uint8Array.from(onnxCodes.raw_data).buffer);
    for (const [y, x, i, o] of [[0, 0, 0, 0], [2, 1, 3, 5], [kh - 1, kw - 1, ci - 1, co - 1]]) {
      expect(oihw[((o * ci + i) * kh + y) * kw + x]).toBe(codes[((y * kw + x) * ci + i) * co + o]);
    }

    // Every ONNX Runtime graph optimization applies, and the optimized model it writes loads again.
    const optimized = path.join(path.dirname(file), 'optimized.onnx');
    const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized });
    await session.release();
    expect((await evaluateOnnx(optimized, test)).top1).toBe((await evaluateOnnx(file, test)).top1);
    model.store.dispose();
  }, 60_000);

  it('writes a full-precision run as plain float ONNX', async () => {
    const { model, test } = await trainedModel('mlp', 'fp');
    const m = decode((await bothExports(model, test)).file);
    expect(['QuantizeLinear', 'DequantizeLinear', 'Clip'].map((op) => opCount(m, op))).toEqual([0, 0, 0]);
    const weights = m.graph.initializer.filter((t) => t.name.endsWith('/weight'));
    expect(weights.length).toBe(3);
    expect(weights.every((t) => t.data_type === 1)).toBe(true);
    model.store.dispose();
  }, 60_000);

  it('QuantizeLinear in ONNX Runtime rounds ties to even, as Temper quantizers do', async () => {
    const step = 0.25;
    // x/step = k + 0.5 exactly, for k from -6 to 5: every value is a tie.
    const x = Float32Array.from({ length: 12 }, (_, i) => (i - 6 + 0.5) * step);
    const g = new OnnxGraphBuilder();
    const s = g.scalar('step', step);
    const zero = g.constant('zero', [], Int8Array.of(0));
    g.node('DequantizeLinear', [g.node('QuantizeLinear', [g.input('x'), s, zero], 'q'), s, zero], 'y');
    const bytes = encodeOnnxModel(g, { name: 'ties', doc: '', inputs: [tensorValueInfo('x', 'float', [12])], outputs: [tensorValueInfo('y', 'float', [12])], metadata: {}, temperVersion: '0' });
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
    const onnx = Array.from((await session.run({ x: new ort.Tensor('float32', x, [12]) })).y.data as Float32Array, (v) => v + 0);
    await session.release();
    const temper = tf.tidy(() => Array.from(tf.mul(tf.round(tf.div(tf.tensor1d(x), step)), step).dataSync(), (v) => v + 0));
    expect(onnx).toEqual(temper);
    expect(onnx.map((v) => v / step + 0)).toEqual([-6, -4, -4, -2, -2, 0, 0, 2, 2, 4, 4, 6]);
  });
});

describe('ONNX files that cannot be evaluated', () => {
  it('refuses a corrupt, empty, truncated or wrongly shaped model with an error naming the file', async () => {
    const { model, test } = await trainedModel('mlp', 'lsq');
    const { file } = await bothExports(model, test);
    const bad = path.join(tmp(), 'bad.onnx');
    fs.writeFileSync(bad, '');
    await expect(evaluateOnnx(bad, test)).rejects.toThrow(`${bad}: the file is empty, not an ONNX model`);
    fs.writeFileSync(bad, Buffer.from('this is not a protobuf message at all, just text'));
    await expect(evaluateOnnx(bad, test)).rejects.toThrow(`${bad}: ONNX Runtime cannot load it; the file is corrupt or not an ONNX model`);
    const good = fs.readFileSync(file);
    fs.writeFileSync(bad, good.subarray(0, good.length >> 1));
    await expect(evaluateOnnx(bad, test)).rejects.toThrow(`${bad}: ONNX Runtime cannot load it; the file is corrupt or not an ONNX model`);
    await expect(evaluateOnnx(path.dirname(bad), test)).rejects.toThrow(`${path.dirname(bad)}: no such ONNX file`);

    await expect(evaluateOnnx(file, gratings(10, 3, 16, 3))).rejects.toThrow(`${file}: the model takes 12x12x1 images, the test images are 16x16x3`);
    const floatInput = decode(file);
    floatInput.graph.input[0].type.tensor_type.elem_type = 1;
    fs.writeFileSync(bad, onnxModelType().encode(onnxModelType().fromObject(floatInput)).finish());
    await expect(evaluateOnnx(bad, test)).rejects.toThrow(`${bad}: input 'pixels' is float32 [batch, 12, 12, 1], expected uint8 [batch, height, width, channels]`);

    expect(() => writeOnnxFile(path.join(path.dirname(bad), 'model.bin'), good)).toThrow(/model\.bin: the output file name must end in \.onnx/);
    expect(fs.existsSync(path.join(path.dirname(bad), 'model.bin'))).toBe(false);
    model.store.dispose();
  }, 60_000);
});
