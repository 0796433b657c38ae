import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import { type ImageSet, createBatchSource } from '../../src-main/data/batches';
import type { DatasetManifest } from '../../src-main/data/cache';
import { takeImages } from '../../src-main/data/split';
import { selectBackend } from '../../src-main/engine/backend';
import { Rng } from '../../shared/rng';
import { train } from '../../src-main/engine/train';
import { DatasetService } from '../../src-main/services/datasets';
import { temper } from './temper';

/** Installed by Debian's dataset-fashion-mnist package (.ci/run installs it). */
const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** The first `count` images of a seeded shuffle of the set. */
function subset(set: ImageSet, count: number, seed: number): ImageSet {
  const [h, w, c] = set.shape;
  const order = new Rng(seed).shuffle(Int32Array.from({ length: set.labels.length }, (_, i) => i));
  const { images, labels } = takeImages({ images: set.images, labels: Uint8Array.from(set.labels) }, order.subarray(0, count), h * w * c);
  return { ...set, images, labels };
}

// Outside CI the Debian package may be missing; in CI (.ci/run installs it) a missing folder must fail.
// Timeouts from the 2-core EPYC, the slowest host seen: the CLI pair of runs took over 60 s there in a
// full CI run (42 s on the Xeon the suite was tuned on) and 230 s with four other test runs sharing
// its two cores; the engine run 28 s (86 s shared); the import 5 s.
describe.skipIf(!fs.existsSync(FASHION_MNIST) && !process.env.CI)('Fashion-MNIST from the Debian package', () => {
  let home: string;
  let manifest: DatasetManifest;
  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-fmnist-'));
    const result = await temper(['datasets', 'add', FASHION_MNIST, '--name', 'fmnist', '--json', '--home', home]);
    expect(result.stderr).toMatch(/^imported 'fmnist'/);
    expect(result.code).toBe(0);
    manifest = JSON.parse(result.stdout) as DatasetManifest;
  }, 60_000);
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('imports 60,000 train (val carved from them) and 10,000 test images of 28x28x1 in 10 classes', () => {
    expect(manifest).toMatchObject({ name: 'fmnist', format: 'idx', shape: [28, 28, 1] });
    expect(manifest.classes).toHaveLength(10);
    const { train: trainSplit, val, test } = manifest.splits;
    expect(trainSplit.count + val!.count).toBe(60_000);
    expect(val!.count).toBe(6_000);
    expect(test!.count).toBe(10_000);
    expect(trainSplit.perClass.map((n, c) => n + val!.perClass[c])).toEqual(new Array(10).fill(6_000));
    expect(test!.perClass).toEqual(new Array(10).fill(1_000));
  });

  it('measures the known pixel statistics of the train images', () => {
    expect(Math.abs(manifest.mean[0] - 0.286)).toBeLessThan(0.005);
    expect(Math.abs(manifest.std[0] - 0.353)).toBeLessThan(0.005);
  });

  it('trains cnn-small from the cache to a sensible test accuracy in two short epochs', async () => {
    await selectBackend('wasm');
    const service = new DatasetService(home);
    const trainSet = subset(service.loadSplit('fmnist', 'train'), 2_000, 1);
    const fullTest = service.loadSplit('fmnist', 'test');
    const testSet = { ...fullTest, images: fullTest.images.subarray(0, 1_000 * 28 * 28), labels: fullTest.labels.subarray(0, 1_000) };
    // The default optimizer (SGD, cosine from 0.1) reaches about 0.68-0.70 here across seeds.
    const config = parseTrainConfig({ model: 'cnn-small', quant: { quantizer: 'fp' }, epochs: 2, batchSize: 64, backend: 'wasm' });
    const result = await train({
      config,
      data: { inputShape: manifest.shape, numClasses: manifest.classes.length },
      train: createBatchSource(trainSet, { batchSize: 64, shuffle: true, seed: 0, dropLast: true }),
      test: createBatchSource(testSet, { batchSize: 250, shuffle: false, seed: 0, dropLast: false }),
    });
    expect(result.status).toBe('completed');
    expect(result.final!.count).toBe(1_000);
    expect(result.final!.top1).toBeGreaterThanOrEqual(0.6);
  }, 240_000);

  it('trains an fp run and a 4-bit nt run from it through the CLI, with parent, curves, drop and an export that reproduces it', async () => {
    const train = async (...args: string[]) => {
      const result = await temper(['train', '--dataset', 'fmnist', '--model', 'cnn-small', '--batch-size', '64', '--limit-train', '2000', ...args, '--json', '--home', home]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    };
    const parent = await train('--quantizer', 'fp', '--epochs', '2', '--lr', '0.05');
    expect(parent.final.testTop1).toBeGreaterThan(0.55);
    const child = await train('--quantizer', 'nt', '--bits', '4', '--epochs', '1', '--lr', '0.01', '--init-from', String(parent.id));
    expect(child.parent).toBe(parent.id);
    expect(child.deltaVsParent).toBeCloseTo(child.final.testTop1 - parent.final.testTop1, 12);
    // Both runs are evaluated on all 10,000 test images, so the drop compares like with like.
    expect(child.final.testTop1).toBeGreaterThan(parent.final.testTop1 - 0.1);

    const shown = JSON.parse((await temper(['runs', 'show', String(child.id), '--json', '--home', home])).stdout);
    expect(shown.curves.testTop1).toEqual([child.final.testTop1]);
    expect(shown.curves.lambda[0]).toBeGreaterThan(0);

    const out = path.join(home, 'export');
    expect((await temper(['export', String(child.id), '--out', out, '--home', home])).code).toBe(0);
    const evaluated = JSON.parse((await temper(['eval-export', out, '--dataset', 'fmnist', '--json', '--home', home])).stdout);
    expect(evaluated).toEqual({ testTop1: child.final.testTop1, count: 10_000, runtime: 'temper' });
    // The same model as ONNX, run by ONNX Runtime on the raw pixels of all 10,000 test images.
    const onnx = path.join(home, 'model.onnx');
    expect((await temper(['export', String(child.id), '--format', 'onnx', '--out', onnx, '--home', home])).code).toBe(0);
    const viaOrt = JSON.parse((await temper(['eval-export', onnx, '--dataset', 'fmnist', '--json', '--home', home])).stdout);
    expect(viaOrt).toMatchObject({ count: 10_000, runtime: 'onnxruntime' });
    // Another library's float32 summation order may move an activation on a bin boundary to the
    // neighbouring code: a few images of 10,000 (docs/export-format.md, "Agreement across libraries").
    expect(Math.abs(viaOrt.testTop1 - child.final.testTop1)).toBeLessThanOrEqual(5 / 10_000);
  }, 480_000);
});

