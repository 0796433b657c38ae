import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchSource } from '../../src-main/data/batches';
import { type BackendChoice, selectBackend } from '../../src-main/engine/backend';
import { DivergenceWatch } from '../../src-main/engine/epoch-tally';
import { bestOf, DivergenceError, type EpochMetrics, train, type TrainJob } from '../../src-main/engine/train';
import { parseTrainConfig, type TrainConfigInput } from '../../shared/config';
import { gratings } from '../helpers/gratings';

const images = { 28: { train: gratings(480, 1), test: gratings(200, 2) }, 12: { train: gratings(320, 1, 12), test: gratings(100, 2, 12), val: gratings(60, 3, 12) } };

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

// cnn-small for two epochs: 17 s on the 2-core EPYC, so 7x that.
describe('train', { timeout: 120_000 }, () => {
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

  it('fails with a clear message at the first NaN or infinite loss', () => {
    const watch = new DivergenceWatch(10, 100);
    watch.check(2.3, 2, 6, 1e30);
    expect(() => watch.check(Number.NaN, 2, 7, 1e30)).toThrow('Training diverged at epoch 3, step 7: the loss is NaN (lr 1.00e+30); try a lower learning rate');
    expect(() => new DivergenceWatch(10, 100).check(Infinity, 2, 7, 1e30)).toThrow('Training diverged at epoch 3, step 7: the loss is Infinity (lr 1.00e+30); try a lower learning rate');
  });

  it('fails as diverged when a finite loss stays far above ln(classes), naming the step and the lr', async () => {
    const diverging = train(job({ model: 'mlp', lr: { kind: 'constant', base: 1e9 }, optimizer: { kind: 'sgd', weightDecay: 0 } }));
    const error = await diverging.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as Error).message).toMatch(
      /^Training diverged at epoch 1, step \d+: (the loss is [\d.e+]+, above 2\.30e\+4 \(10000 × ln\(classes\)\)|the loss was above 230 \(100 × ln\(classes\)\) for 5 steps in a row, now [\d.e+]+|the loss is (NaN|Infinity)) \(lr 1\.00e\+9\)/,
    );
  });

  it('lets a loss above the bound for fewer steps than the streak pass', () => {
    const watch = new DivergenceWatch(10, 100);
    for (const loss of [500, 500, 500, 500, 1, 500, 500, 500, 500]) watch.check(loss, 0, 1, 0.1);
    expect(() => watch.check(500, 0, 10, 0.1)).toThrow('Training diverged at epoch 1, step 10: the loss was above 230 (100 × ln(classes)) for 5 steps in a row, now 500 (lr 0.100)');
  });

  it('fails at once when the loss passes 10,000 × ln(classes), whatever the run\'s length', () => {
    const watch = new DivergenceWatch(10, 100);
    watch.check(2.3, 0, 1, 0.1);
    watch.check(20_000, 0, 2, 0.1);
    expect(() => watch.check(1.8e16, 0, 3, 0.1)).toThrow('Training diverged at epoch 1, step 3: the loss is 1.80e+16, above 2.30e+4 (10000 × ln(classes)) (lr 0.100); try a lower learning rate');
  });

  it('in a run shorter than the streak, fails when every step after the first is above the bound', () => {
    const four = new DivergenceWatch(10, 4);
    for (const [step, loss] of [[1, 2.3], [2, 500], [3, 500]]) four.check(loss, 0, step, 0.1);
    expect(() => four.check(500, 1, 4, 0.1)).toThrow('Training diverged at epoch 2, step 4: the loss was above 230 (100 × ln(classes)) for 3 steps in a row (of 4 in the run), now 500 (lr 0.100)');
    const two = new DivergenceWatch(10, 2);
    two.check(2.3, 0, 1, 0.1);
    expect(() => two.check(500, 0, 2, 0.1)).toThrow('for 1 step (of 2 in the run), now 500');
  });

  it('fails a 4-step nt run at lr 1e9 as diverged (too short for the streak)', async () => {
    const short = job({ model: 'mlp', quant: { quantizer: 'nt', bits: 4 }, lr: { base: 1e9 } }, { train: createBatchSource(gratings(64, 1, 12), { batchSize: 32, shuffle: true, seed: 1, dropLast: true }) });
    const error = await train(short).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as Error).message).toMatch(/^Training diverged at epoch 1, step 2: the loss is [\d.e+]+, above 2\.30e\+4 \(10000 × ln\(classes\)\)/);
  });

  it('resumed after its last checkpoint, with nothing left to train, evaluates it for the final accuracy', async () => {
    const config = { model: 'mlp' as const, epochs: 2, quant: { quantizer: 'fp' as const } };
    const dir = path.join(tmp(), 'ckpt');
    const whole = await train(job(config, { checkpointDir: dir }));
    // As if killed after the last epoch's checkpoint, before the run was recorded as finished.
    const resumed = await train(job(config, { resumeFrom: dir }));
    // No epoch trained in this call: the store chooses the best over the epochs recorded before.
    expect(resumed).toEqual({ status: 'completed', epochs: [], final: whole.final, best: null });
  });

  it('measures the val split after every epoch, and its best is the best-validation epoch with that epoch\'s test top-1', async () => {
    const config = { model: 'mlp' as const, epochs: 3, quant: { quantizer: 'fp' as const } };
    const val = createBatchSource(images[12].val, { batchSize: 100, shuffle: false, seed: 0, dropLast: false });
    const result = await train(job(config, { val }));
    expect(result.epochs.map((e) => e.val?.count)).toEqual([60, 60, 60]);
    const byVal = result.epochs.reduce((a, b) => (b.val!.top1 > a.val!.top1 ? b : a));
    expect(result.best).toEqual({ epoch: byVal.epoch, valTop1: byVal.val!.top1, testTop1: byVal.test.top1 });
    const without = await train(job(config));
    expect(without.epochs.map((e) => e.val)).toEqual([null, null, null]);
    expect(without.best).toBeNull();
  });

  it('bestOf chooses on validation, never on test', () => {
    const epoch = (n: number, testTop1: number, valTop1: number | null): EpochMetrics => ({
      epoch: n, step: n, trainLoss: 1, trainTop1: 0.5, test: { loss: 1, top1: testTop1, top5: 1, count: 10 },
      val: valTop1 === null ? null : { loss: 1, top1: valTop1, top5: 1, count: 10 }, lr: 0.1, lambda: 0, seconds: 1, imagesPerSec: 1, stepsAtFloor: [], layers: [],
    });
    // Best test top-1 at epoch 1, best validation top-1 at epoch 2.
    expect(bestOf([epoch(1, 0.9, 0.6), epoch(2, 0.7, 0.8), epoch(3, 0.8, 0.7)])).toEqual({ epoch: 2, valTop1: 0.8, testTop1: 0.7 });
    expect(bestOf([epoch(1, 0.9, null), epoch(2, 0.7, null)])).toBeNull();
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
