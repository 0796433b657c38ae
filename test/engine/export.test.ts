import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchSource, type ImageSet } from '../../src-main/data/batches';
import { selectBackend } from '../../src-main/engine/backend';
import { EVAL_CONTEXT, evaluate } from '../../src-main/engine/evaluate';
import { exportModel } from '../../src-main/engine/export';
import { createExportRunner, evaluateExport, loadExport } from '../../src-main/engine/export-eval';
import type { ExportManifest } from '../../src-main/engine/export-manifest';
import { buildModel, type Model } from '../../src-main/engine/models';
import { Rng } from '../../shared/rng';
import { parseTrainConfig } from '../../shared/config';
import { initializedResnet18, trainedModel } from '../helpers/trained';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'temper-export-'));
const readManifest = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ExportManifest;

async function exported(model: Model, test: ImageSet): Promise<string> {
  const dir = path.join(tmp(), 'export');
  await exportModel(model, dir, { normalization: { mean: test.mean, std: test.std }, source: { test: true } });
  return dir;
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('export round trip', () => {
  const cases = (['mlp', 'cnn-small', 'resnet20'] as const).flatMap((name) => (['fp', 'lsq', 'nt'] as const).map((q) => [name, q, 8] as const));
  it.each([...cases, ['cnn-small', 'lsq', null] as const])('%s with %s (first/last bits %s) gives the same predictions from its files', async (name, quantizer, firstLastBits) => {
    const { model, test } = await trainedModel(name, quantizer, firstLastBits);
    const expected = await evaluate(model, createBatchSource(test, { batchSize: 100, shuffle: false, seed: 0, dropLast: false }));
    const dir = await exported(model, test);
    const before = tf.memory().numTensors;
    const got = await evaluateExport(dir, test);
    expect(tf.memory().numTensors).toBe(before);
    expect(got.count).toBe(100);
    expect(Math.round(got.top1 * got.count)).toBe(Math.round(expected.top1 * expected.count));
    expect(got.top5).toBe(expected.top5);
    expect(got.loss).toBeCloseTo(expected.loss, 5);

    // Stronger than equal accuracy: the logits agree bit for bit.
    const runner = createExportRunner(loadExport(dir));
    const x = tf.randomNormal([8, ...model.spec.inputShape], 0, 1, 'float32', 3) as tf.Tensor4D;
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(runner.apply(x), model.apply(x, EVAL_CONTEXT)))).dataSync()[0]);
    expect(diff).toBe(0);
    runner.dispose();
    x.dispose();

    const manifest = readManifest(dir);
    const layers = Object.values(manifest.layers);
    const quantized = layers.filter((l) => l.weight.quantized).length;
    if (quantizer === 'fp') expect(quantized).toBe(0);
    else expect(quantized).toBe(firstLastBits === null ? layers.length - 2 : layers.length);
    model.store.dispose();
  });
});

describe('export graph', () => {
  it('runs resnet18 with projection shortcuts and a max-pool stem the same from its files', async () => {
    const { model, test } = initializedResnet18();
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const dir = await exported(model, test);
    const kinds = readManifest(dir).graph.map((n) => n.kind);
    expect(kinds).toContain('max-pool');
    expect(kinds.filter((k) => k === 'add')).toHaveLength(8);
    const runner = createExportRunner(loadExport(dir));
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(runner.apply(x), model.apply(x, EVAL_CONTEXT)))).dataSync()[0]);
    expect(diff).toBe(0);
    runner.dispose();
    x.dispose();
    model.store.dispose();
  });
});

describe('exportModel', () => {
  it('writes integer codes in range that equal round_half_even(clip(w/s, -Qn, Qp))', async () => {
    const { model, test } = await trainedModel('cnn-small', 'lsq');
    const dir = await exported(model, test);
    const manifest = readManifest(dir);
    for (const entry of model.store.quantizers) {
      const layer = manifest.layers[entry.layer];
      if (!layer.weight.quantized) throw new Error(`layer ${entry.layer} should be quantized`);
      const { codes, step: s, qn, qp, bits } = layer.weight;
      expect(codes.dtype).toBe('int8');
      expect(s).toBe(entry.weight.step!.dataSync()[0]);
      expect([qn, qp]).toEqual(bits === 8 ? [128, 127] : [8, 7]);
      const values = new Int8Array(fs.readFileSync(path.join(dir, codes.file))); // wraps bytes 128..255 to negatives
      expect(values.every((c) => c >= -qn && c <= qp)).toBe(true);
      const reference = tf.tidy(() => tf.round(tf.clipByValue(tf.div(entry.weightVariable, s), -qn, qp)).dataSync());
      expect(Array.from(values)).toEqual(Array.from(reference, (v) => v + 0));
      // codes·s is the weight the deployment forward uses.
      const deployed = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.mul(tf.tensor(Float32Array.from(values), codes.shape), s), entry.weight.apply(entry.weightVariable, EVAL_CONTEXT)))).dataSync()[0]);
      expect(deployed).toBe(0);
      expect(layer.input.quantized && layer.input.step).toBe(entry.input.step!.dataSync()[0]);
    }
    expect(manifest.layers['conv1/conv'].input).toMatchObject({ quantized: true, signed: true, bits: 8 });
    expect(manifest.layers['conv2/conv'].input).toMatchObject({ quantized: true, signed: false, bits: 4, qn: 0, qp: 15 });
    expect(manifest.graph.map((n) => n.kind)).toEqual(['input', ...Array(4).fill(['conv2d', 'batchnorm', 'relu']).flat(), 'global-avg-pool', 'dense']);
    model.store.dispose();
  });

  it('refuses a model whose activation quantizers were never initialized', async () => {
    const rng = new Rng(0);
    const quant = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'lsq' } }).quant;
    const model = buildModel({ name: 'mlp', inputShape: [8, 8, 1], numClasses: 10, quant }, () => rng.nextSeed());
    const dir = path.join(tmp(), 'export');
    await expect(exportModel(model, dir, { normalization: { mean: [0.5], std: [0.25] } })).rejects.toThrow(
      /layer 'fc1' activation \(input\) quantizer step size was never initialized from data; evaluate or train the model/,
    );
    expect(fs.existsSync(dir)).toBe(false);
    await expect(exportModel(model, dir, { normalization: { mean: [0.5, 0.5], std: [0.25] } })).rejects.toThrow(/normalization.mean must be 1 finite numbers/);
    model.store.dispose();
  });

  it('replaces an earlier export whole, leaves no staging folder, and refuses a folder that is not an export', async () => {
    const { model, test } = await trainedModel('mlp', 'nt');
    const dir = await exported(model, test);
    fs.writeFileSync(path.join(dir, 'stale.bin'), 'left from an older export');
    await exportModel(model, dir, { normalization: { mean: test.mean, std: test.std }, classes: Array.from({ length: 10 }, (_, i) => `class ${i}`) });
    expect(fs.existsSync(path.join(dir, 'stale.bin'))).toBe(false);
    expect(readManifest(dir).classes).toHaveLength(10);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['export']);

    const other = path.join(path.dirname(dir), 'notes');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'todo.txt'), 'mine');
    await expect(exportModel(model, other, { normalization: { mean: test.mean, std: test.std } })).rejects.toThrow(/notes exists and is not a Temper export .*refusing to replace it/);
    expect(fs.readdirSync(other)).toEqual(['todo.txt']);
    expect(fs.readdirSync(path.dirname(dir)).sort()).toEqual(['export', 'notes']);
    model.store.dispose();
  });
});

describe('loadExport', () => {
  it('names the file when a codes file is truncated, missing, or model.json is bad', async () => {
    const { model, test } = await trainedModel('mlp', 'lsq');
    const dir = await exported(model, test);
    const manifest = readManifest(dir);
    const codes = manifest.layers.fc2.weight;
    if (!codes.quantized) throw new Error('fc2 should be quantized');
    const codesPath = path.join(dir, codes.codes.file);
    const good = fs.readFileSync(codesPath);

    fs.writeFileSync(codesPath, good.subarray(0, good.length - 10));
    expect(() => loadExport(dir)).toThrow(`${codesPath}: ${good.length - 10} bytes, expected ${good.length} for int8 [256,128] (layers['fc2'].weight.codes); the file is truncated or corrupt`);
    fs.rmSync(codesPath);
    expect(() => loadExport(dir)).toThrow(`${codesPath}: missing`);
    fs.writeFileSync(codesPath, good);
    expect(loadExport(dir).manifest.graph.length).toBe(manifest.graph.length);

    const manifestPath = path.join(dir, 'model.json');
    const write = (m: unknown) => fs.writeFileSync(manifestPath, typeof m === 'string' ? m : JSON.stringify(m));
    write('{"format": "temper-export", ');
    expect(() => loadExport(dir)).toThrow(`${manifestPath}: not valid JSON`);
    write({ ...manifest, format: 'onnx' });
    expect(() => loadExport(dir)).toThrow(`${manifestPath}: field 'format' is "onnx", expected 'temper-export'`);
    write({ ...manifest, graph: manifest.graph.map((n, i) => (i === 2 ? { ...n, attrs: { inUnits: -1, outUnits: 256 } } : n)) });
    expect(() => loadExport(dir)).toThrow(`${manifestPath}: field 'graph[2].attrs.inUnits'`);
    write({ ...manifest, layers: { ...manifest.layers, fc1: undefined } });
    expect(() => loadExport(dir)).toThrow(`${manifestPath}: graph[2] ('fc1'): no entry layers['fc1']`);
    write({ ...manifest, layers: { ...manifest.layers, fc2: { ...manifest.layers.fc2, weight: { ...codes, qp: 9 } } } });
    expect(() => loadExport(dir)).toThrow(`${manifestPath}: layers['fc2'].weight: qn/qp 8/9 do not match 4 signed bits (8/7)`);
    model.store.dispose();
  });
});
