import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchSource } from '../../src-main/data/batches';
import { type BackendChoice, selectBackend } from '../../src-main/engine/backend';
import { DivergenceError, type EpochMetrics, train, type TrainJob } from '../../src-main/engine/train';
import { parseTrainConfig, type TrainConfigInput } from '../../shared/config';
import { gratings } from '../helpers/gratings';

const images = { 28: { train: gratings(480, 1), test: gratings(200, 2) }, 12: { train: gratings(320, 1, 12), test: gratings(100, 2, 12) } };

/** cnn-small on 28x28 gratings, or (for the loop's mechanics) the faster mlp on 12x12 ones. */
function job(config: Partial<TrainConfigInput>, extra: Partial<TrainJob> = {}): TrainJob {
  const parsed = parseTrainConfig({ model: 'cnn-small', epochs: 2, batchSize: 32, lr: { base: 0.05 }, ...config });
  const side = parsed.model === 'mlp' ? 12 : 28;
  const { train: trainSet, test: testSet } = images[side];
  return {
    config: parsed,
    data: { inputShape: [side, side, 1], numClasses: 10 },
    train: createBatchSource(trainSet, { batchSize: parsed.batchSize, shuffle: true, seed: parsed.seed, dropLast: true }),
    test: createBatchSource(testSet, { batchSize: 100, shuffle: false, seed: 0, dropLast: false }),
    ...extra,
  };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'temper-train-'));

beforeAll(async () => {
  await selectBackend((process.env.TEMPER_TEST_BACKEND ?? 'wasm') as BackendChoice);
});

describe('train', () => {
  it.each([
    ['fp', 4],
    ['nt', 4],
    ['nt', 2],
  ] as const)('cnn-small learns a generated 10-class task with %s at %i bits', async (quantizer, bits) => {
    const before = tf.memory().numTensors;
    const epochs: EpochMetrics[] = [];
    const result = await train(job({ quant: { quantizer, bits } }), { onEpoch: (m) => epochs.push(m) });
    expect(result.status).toBe('completed');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(result.final!.top1).toBeGreaterThan(0.5); // chance is 0.1
    expect(result.final!.top5).toBeGreaterThanOrEqual(result.final!.top1);
    expect(epochs[1].trainLoss).toBeLessThan(epochs[0].trainLoss);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports progress with the temper λ decaying over the run', async () => {
    const progress: number[] = [];
    await train(job({ model: 'mlp', epochs: 1, quant: { quantizer: 'nt' } }, { progressEvery: 5 }), { onProgress: (p) => progress.push(p.lambda) });
    expect(progress.length).toBe(2);
    expect(progress[0]).toBeGreaterThan(progress[1]);
  });

  it('stops within one step when cancelled', async () => {
    let steps = 0;
    const result = await train(job({ model: 'mlp' }, { progressEvery: 1 }), { onProgress: () => steps++, shouldStop: () => steps >= 1 });
    expect(result.status).toBe('cancelled');
    expect(result.epochs).toEqual([]);
  });

  it('fails with a clear message instead of training on a NaN loss', async () => {
    const diverging = train(job({ model: 'mlp', lr: { kind: 'constant', base: 1e30 }, optimizer: { kind: 'sgd', weightDecay: 0 } }));
    const error = await diverging.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as Error).message).toMatch(/^Training diverged at epoch \d+, step \d+: the loss is (NaN|Infinity)/);
  });

  it('resumes from a checkpoint to exactly the epochs of an uninterrupted run', async () => {
    const config = { model: 'mlp' as const, epochs: 3, quant: { quantizer: 'nt' as const, bits: 3 } };
    const straight = await train(job(config));
    const dir = path.join(tmp(), 'ckpt');
    let epochsSeen = 0;
    const first = await train(job(config, { checkpointDir: dir }), { onEpoch: () => epochsSeen++, shouldStop: () => epochsSeen >= 1 });
    expect(first.status).toBe('cancelled');
    const resumed = await train(job(config, { resumeFrom: dir }));
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([2, 3]);
    for (const [a, b] of [
      [straight.epochs[1], resumed.epochs[0]],
      [straight.epochs[2], resumed.epochs[1]],
    ]) {
      expect(b.trainLoss).toBe(a.trainLoss);
      expect(b.test).toEqual(a.test);
      expect(b.step).toBe(a.step);
    }
  });

  it('starts a QAT run from a full-precision checkpoint (init-from)', async () => {
    const dir = path.join(tmp(), 'fp');
    const parent = await train(job({ model: 'mlp', epochs: 2, quant: { quantizer: 'fp' } }, { checkpointDir: dir }));
    const child = await train(job({ model: 'mlp', epochs: 1, quant: { quantizer: 'nt', bits: 4 }, lr: { base: 0.01 } }, { initFrom: dir }));
    expect(child.final!.top1).toBeGreaterThan(parent.final!.top1 - 0.15);
  });
});
