import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchSource } from '../../src-main/data/batches';
import { selectBackend } from '../../src-main/engine/backend';
import { exportModel } from '../../src-main/engine/export';
import { createExportRunner, evaluateExport, loadExport } from '../../src-main/engine/export-eval';
import { initializedResnet18, trainedModel } from '../helpers/trained';

/** docs/reference_evaluator.py: the export format's NumPy reference, run against real exports so doc and format cannot drift. */
const REFERENCE = path.resolve(import.meta.dirname, '../../docs/reference_evaluator.py');
const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
const skipReason = numpy.status === 0 ? null : `python3 with numpy is not available (${(numpy.stderr || numpy.error?.message || '').trim().split('\n').at(-1)})`;
if (skipReason) console.warn(`export-reference.test.ts skipped: ${skipReason}`);

beforeAll(async () => {
  await selectBackend('wasm');
});

describe.skipIf(skipReason !== null)('docs/reference_evaluator.py', () => {
  it.each([['mlp', 'lsq', 2], ['cnn-small', 'nt', 4], ['resnet20', 'lsq', 4], ['cnn-small', 'fp', 8], ['resnet18', 'lsq', 3]] as const)('runs a %s %s %i-bit export to the same top-1 and logits as Temper', async (name, quantizer, bits) => {
    const { model, test } = name === 'resnet18' ? initializedResnet18() : await trainedModel(name, quantizer, 8, bits);
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-reference-')), 'export');
    await exportModel(model, dir, { normalization: { mean: test.mean, std: test.std } });
    fs.writeFileSync(path.join(dir, '..', 'images.u8'), test.images);
    fs.writeFileSync(path.join(dir, '..', 'labels.u8'), Uint8Array.from(test.labels));
    const stdout = execFileSync('python3', [REFERENCE, dir, path.join(dir, '..', 'images.u8'), path.join(dir, '..', 'labels.u8')], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
    const reference = JSON.parse(stdout) as { count: number; top1: number; logits: number[][] };

    const count = test.labels.length;
    expect(reference.count).toBe(count);
    expect(reference.top1).toBe((await evaluateExport(dir, test)).top1);
    const runner = createExportRunner(loadExport(dir));
    const temper: number[] = [];
    for await (const { x, y } of createBatchSource(test, { batchSize: 100, shuffle: false, seed: 0, dropLast: false }).batches(0)) {
      temper.push(...(await runner.apply(x).data()));
      tf.dispose([x, y]);
    }
    runner.dispose();
    const flat = reference.logits.flat();
    const scale = Math.max(1, ...temper.map(Math.abs));
    const close = reference.logits.filter((row, i) => row.every((v, j) => Math.abs(v - temper[i * 10 + j]) <= 1e-5 * scale)).length;
    // Another library sums in another order: see docs/export-format.md, "Agreement across libraries".
    expect(close).toBeGreaterThanOrEqual(name === 'resnet20' ? 80 : count);
    expect(flat).toHaveLength(count * 10);
    model.store.dispose();
  }, 180_000);
});
