import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchSource } from '../../src-main/data/batches';
import { type BackendChoice, selectBackend } from '../../src-main/engine/backend';
import { loadCheckpoint } from '../../src-main/engine/checkpoint';
import { chooseMicroBatch, memoryCeiling, memoryProbeConfigs, microBatchForRun, probeMemory, type StepMemory, stepMemory } from '../../src-main/engine/micro-batch';
import { microBatchRanges, TrainingSession } from '../../src-main/engine/session';
import { train, type TrainJob } from '../../src-main/engine/train';
import { parseTrainConfig, type TrainConfigInput } from '../../shared/config';
import { gratings } from '../helpers/gratings';

const data = { inputShape: [12, 12, 1] as [number, number, number], numClasses: 10 };
const images = { train: gratings(96, 1, 12), test: gratings(40, 2, 12) };
const config = (extra: Partial<TrainConfigInput> = {}) =>
  parseTrainConfig({ model: 'mlp', epochs: 2, batchSize: 8, lr: { kind: 'constant', base: 0.1 }, optimizer: { kind: 'sgd', momentum: 0, weightDecay: 0 }, ...extra });

function job(extra: Partial<TrainConfigInput>, more: Partial<TrainJob> = {}): TrainJob {
  const parsed = config(extra);
  return {
    config: parsed,
    data,
    train: createBatchSource(images.train, { batchSize: parsed.batchSize, shuffle: true, seed: parsed.seed, dropLast: true }),
    test: createBatchSource(images.test, { batchSize: 20, shuffle: false, seed: 0, dropLast: false }),
    ...more,
  };
}

/** The trainable weights after one step on `rows` of a fixed batch, with the given lr and micro-batch (lr 0: no step). */
function weightsAfterStep(rows: [number, number], lr: number, microBatch: number | null): Float32Array[] {
  const session = TrainingSession.create(config({ lr: { kind: 'constant', base: lr || 1 }, quant: { quantizer: 'fp' } }), data, 1);
  session.microBatch = microBatch;
  const x = tf.tidy(() => tf.slice(tf.randomUniform([8, 12, 12, 1], 0, 1, 'float32', 3), [rows[0], 0, 0, 0], [rows[1], -1, -1, -1])) as tf.Tensor4D;
  const y = tf.tensor1d([3, 1, 4, 1, 5, 9, 2, 6].slice(rows[0], rows[0] + rows[1]), 'int32');
  if (lr > 0) tf.dispose(session.trainStep({ x, y }));
  tf.dispose([x, y]);
  const weights = session.model.store.trainable.map((p) => Float32Array.from(p.variable.dataSync()));
  session.dispose();
  return weights;
}

beforeAll(async () => {
  await selectBackend((process.env.TEMPER_TEST_BACKEND ?? 'wasm') as BackendChoice);
});

describe('micro-batches', () => {
  it('slice a batch into ranges of at most the micro-batch', () => {
    expect(microBatchRanges(128, null)).toEqual([[0, 128]]);
    expect(microBatchRanges(128, 256)).toEqual([[0, 128]]);
    expect(microBatchRanges(10, 4)).toEqual([[0, 4], [4, 4], [8, 2]]);
  });

  it('give the update of the batch mean: one step on 8 rows in two slices equals the two halves stepped apart at half the lr', () => {
    const start = weightsAfterStep([0, 8], 0, null);
    const whole = weightsAfterStep([0, 8], 0.1, 4);
    const first = weightsAfterStep([0, 4], 0.05, null);
    const second = weightsAfterStep([4, 4], 0.05, null);
    let worst = 0;
    whole.forEach((w, p) => {
      const scale = Math.max(1e-3, ...start[p].map(Math.abs));
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - (first[p][i] + second[p][i] - start[p][i])) / scale);
    });
    expect(worst).toBeLessThan(1e-5);
    // And it is not the whole batch's update: batch norm sees each slice alone.
    expect(Array.from(weightsAfterStep([0, 8], 0.1, null)[0])).not.toEqual(Array.from(whole[0]));
  });

  it('train, resume exactly and leak no tensor', async () => {
    const before = tf.memory().numTensors;
    const settings = { microBatch: 3, quant: { quantizer: 'nt' as const, bits: 3 } };
    const straight = await train(job(settings));
    expect(straight.status).toBe('completed');
    expect(tf.memory().numTensors).toBe(before);
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-micro-')), 'ckpt');
    let epochs = 0;
    await train(job(settings, { checkpointDir: dir }), { onEpoch: () => epochs++, shouldStop: () => epochs >= 1 });
    const resumed = await train(job(settings, { resumeFrom: dir }));
    expect(resumed.epochs[0].trainLoss).toBe(straight.epochs[1].trainLoss);
    expect(resumed.epochs[0].test).toEqual(straight.epochs[1].test);
  });

  it('are chosen from the measured memory of a step where the backend has a ceiling', async () => {
    const measured = await stepMemory(config(), data);
    expect(measured.perRow).toBeGreaterThan(0);
    // What the thread already holds does not enter the measurement.
    const held = tf.zeros([1 << 20]);
    expect(await stepMemory(config(), data)).toEqual(measured);
    held.dispose();
    const probes: StepMemory[] = [];
    for (const probe of memoryProbeConfigs('mlp')) probes.push(await stepMemory(probe, data));
    // Measured once per backend, model and data shape, and the same as measured afresh.
    expect(await probeMemory('mlp', data)).toEqual(probes);
    expect(await probeMemory('mlp', data)).toBe(await probeMemory('mlp', data));
    const need = (rows: number) => Math.max(...probes.map((m) => m.fixed + m.perRow * rows));
    expect(await chooseMicroBatch(config(), data, 128, null)).toBeNull();
    expect(await chooseMicroBatch(config(), data, 128, need(128) + 1024)).toBeNull();
    // Room for 50 rows: 128 train as 3 equal slices of 43.
    expect(await chooseMicroBatch(config(), data, 128, need(50) + 1)).toBe(43);
    expect(await chooseMicroBatch(config({ microBatch: 16 }), data, 128, null)).toBe(16);
    await expect(chooseMicroBatch(config(), data, 128, need(1) / 2)).rejects.toThrow(/mlp needs more memory than this backend has for even one image/);
    expect(memoryCeiling('wasm')).toBe(2 ** 31);
    expect(memoryCeiling('onednn')).toBeNull();
  });

  it('are the same for every arm of a study or sweep: quantizer, noise, bits and optimizer do not change them', async () => {
    const arms = [
      config({ quant: { quantizer: 'fp' } }),
      config({ quant: { quantizer: 'lsq', bits: 2 } }),
      config({ quant: { quantizer: 'nt', bits: 2, noise: 'gaussian' } }),
      config({ quant: { quantizer: 'pqn', bits: 4, firstLastBits: null }, optimizer: { kind: 'adam' } }),
      config({ quant: { quantizer: 'nt-pqn', bits: 4 }, seed: 3 }),
    ];
    const alone: StepMemory[] = [];
    for (const arm of arms) alone.push(await stepMemory(arm, data));
    // Room for 20, 50 or 100 rows of the hungriest arm: a slice that followed each arm's own memory would differ.
    for (const rows of [20, 50, 100]) {
      const ceiling = Math.max(...alone.map((m) => m.fixed + m.perRow * rows)) + 1;
      const slices: (number | null)[] = [];
      for (const arm of arms) slices.push(await chooseMicroBatch(arm, data, 128, ceiling));
      expect(new Set(slices).size).toBe(1);
      // And the one slice fits the hungriest arm.
      for (const m of alone) expect(m.fixed + m.perRow * (slices[0] ?? 128)).toBeLessThanOrEqual(ceiling);
    }
  });

  it('are stored with the checkpoint, and a resumed run trains on the stored slices, not on a new choice', async () => {
    const settings = { quant: { quantizer: 'nt' as const, bits: 3 } };
    const straight = await train(job(settings, { microBatch: 3 }));
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-micro-')), 'ckpt');
    let epochs = 0;
    await train(job(settings, { checkpointDir: dir, microBatch: 3 }), { onEpoch: () => epochs++, shouldStop: () => epochs >= 1 });
    expect(loadCheckpoint(dir).manifest.progress.microBatch).toBe(3);
    // A new choice (no ceiling on onednn: the whole batch) is not what the run trained with.
    expect(await microBatchForRun(config(settings), data, 8, 'onednn')).toBeNull();
    expect(await microBatchForRun(config(settings), data, 8, 'onednn', dir)).toBe(3);
    const resumed = await train(job(settings, { resumeFrom: dir, microBatch: null }));
    expect(resumed.epochs[0].trainLoss).toBe(straight.epochs[1].trainLoss);
    expect(resumed.epochs[0].test).toEqual(straight.epochs[1].test);
  });
});
