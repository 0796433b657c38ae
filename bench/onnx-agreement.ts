// The README's agreement table: for mlp, cnn-small and resnet20 on Fashion-MNIST (Debian's
// dataset-fashion-mnist), an fp run and nt / lsq runs at 2, 4 and 8 bits initialized from it; each
// exported twice (Temper's folder and ONNX). Columns: test top-1 from Temper's own evaluation at the
// end of training, from eval-export (the folder, tfjs), from ONNX Runtime (the .onnx file, raw
// pixels), and how many test images the two exports classify differently.
// Run: npx tsx bench/onnx-agreement.ts [--train 2000] [--test 10000] [--only cnn-small] [--json <file>]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createBatchSource, type ImageSet } from '../src-main/data/batches';
import { takeImages } from '../src-main/data/split';
import { selectBackend } from '../src-main/engine/backend';
import { loadCheckpoint } from '../src-main/engine/checkpoint';
import { buildExport, exportModel } from '../src-main/engine/export';
import { createExportRunner, loadExport } from '../src-main/engine/export-eval';
import { loadOnnxClassifier } from '../src-main/engine/onnx/eval-onnx';
import { onnxFromExport, writeOnnxFile } from '../src-main/engine/onnx/export-onnx';
import { Rng } from '../shared/rng';
import { TrainingSession } from '../src-main/engine/session';
import { train } from '../src-main/engine/train';
import { DatasetService } from '../src-main/services/datasets';
import { APP_VERSION } from '../shared/version';
import { type ModelName, parseTrainConfig, type QuantizerKind } from '../shared/config';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
const { values } = parseArgs({ options: { train: { type: 'string', default: '2000' }, test: { type: 'string', default: '10000' }, only: { type: 'string' }, json: { type: 'string' } } });
const models: ModelName[] = values.only ? [values.only as ModelName] : ['mlp', 'cnn-small', 'resnet20'];
const runs: [QuantizerKind, number][] = [['nt', 2], ['nt', 4], ['nt', 8], ['lsq', 2], ['lsq', 4], ['lsq', 8]];

function subset(set: ImageSet, count: number, seed: number): ImageSet {
  const [h, w, c] = set.shape;
  const order = new Rng(seed).shuffle(Int32Array.from({ length: set.labels.length }, (_, i) => i));
  const { images, labels } = takeImages({ images: set.images, labels: Uint8Array.from(set.labels) }, order.subarray(0, Math.min(count, set.labels.length)), h * w * c);
  return { ...set, images, labels };
}

const argmaxRows = (logits: Float32Array, classes: number) => Array.from({ length: logits.length / classes }, (_, i) => {
  const row = logits.subarray(i * classes, (i + 1) * classes);
  return row.indexOf(Math.max(...row));
});

/** Top-1 of the export folder (tfjs) and of the ONNX file (ONNX Runtime), and the images they classify differently. */
async function compareExports(dir: string, file: string, test: ImageSet) {
  const runner = createExportRunner(loadExport(dir));
  const temper: number[] = [];
  for await (const { x, y } of createBatchSource(test, { batchSize: 250, shuffle: false, seed: 0, dropLast: false }).batches(0)) {
    temper.push(...argmaxRows((await runner.apply(x).data()) as Float32Array, test.numClasses));
    tf.dispose([x, y]);
  }
  runner.dispose();
  const onnx = await loadOnnxClassifier(file);
  const ort = argmaxRows(await onnx.logits(test.images, test.labels.length), test.numClasses);
  await onnx.release();
  const hits = (predicted: number[]) => predicted.filter((p, i) => p === test.labels[i]).length / predicted.length;
  return { exportTop1: hits(temper), onnxTop1: hits(ort), differ: temper.filter((p, i) => p !== ort[i]).length };
}

await selectBackend('wasm');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-onnx-bench-'));
const datasets = new DatasetService(path.join(work, 'home'));
const manifest = await datasets.add(FASHION_MNIST, { name: 'fmnist' });
const trainSet = subset(datasets.loadSplit('fmnist', 'train'), Number(values.train), 1);
const testSet = subset(datasets.loadSplit('fmnist', 'test'), Number(values.test), 2);
const data = { inputShape: manifest.shape, numClasses: manifest.classes.length };
const rows: Record<string, unknown>[] = [];
console.log('| model | quantizer | bits | Temper | eval-export | ONNX Runtime | images classified differently |\n|---|---|---|---|---|---|---|');
for (const model of models) {
  for (const [quantizer, bits] of [['fp', 32] as [QuantizerKind, number], ...runs]) {
    const fp = quantizer === 'fp';
    const config = parseTrainConfig({ model, quant: fp ? { quantizer } : { quantizer, bits }, epochs: fp ? 2 : 1, batchSize: 64, lr: { base: fp ? 0.05 : 0.01 }, backend: 'wasm' });
    const checkpointDir = path.join(work, `${model}-${quantizer}-${bits}`);
    const result = await train({
      config,
      data,
      train: createBatchSource(trainSet, { batchSize: 64, shuffle: true, seed: 0, dropLast: true }),
      test: createBatchSource(testSet, { batchSize: 250, shuffle: false, seed: 0, dropLast: false }),
      checkpointDir,
      initFrom: fp ? undefined : path.join(work, `${model}-fp-32`),
    });
    const session = TrainingSession.create(config, data, 1);
    session.restore(loadCheckpoint(checkpointDir), 'resume');
    const options = { normalization: { mean: manifest.mean, std: manifest.std }, classes: manifest.classes, source: { dataset: 'fmnist' } };
    await exportModel(session.model, `${checkpointDir}-export`, options);
    writeOnnxFile(`${checkpointDir}.onnx`, onnxFromExport(await buildExport(session.model, options), APP_VERSION));
    session.dispose();
    const agreement = await compareExports(`${checkpointDir}-export`, `${checkpointDir}.onnx`, testSet);
    const row = { model, quantizer, bits: fp ? null : bits, temperTop1: result.final!.top1, ...agreement, count: testSet.labels.length };
    rows.push(row);
    const pct = (v: number) => (v * 100).toFixed(2);
    console.log(`| ${model} | ${quantizer} | ${fp ? '32 (fp)' : bits} | ${pct(row.temperTop1)} | ${pct(row.exportTop1)} | ${pct(row.onnxTop1)} | ${row.differ} of ${row.count} |`);
  }
}
if (values.json) fs.writeFileSync(values.json, JSON.stringify(rows, null, 1));
fs.rmSync(work, { recursive: true, force: true });
