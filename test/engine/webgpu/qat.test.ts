import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createBatchSource } from '../../../src-main/data/batches';
import { releaseBackend, selectBackend } from '../../../src-main/engine/backend';
import { LsqQuantizer } from '../../../src-main/engine/quantizers/lsq';
import { type EpochMetrics, train, type TrainHooks, type TrainJob } from '../../../src-main/engine/train';
import { parseTrainConfig, type TrainConfigInput } from '../../../shared/config';
import { gratings } from '../../helpers/gratings';
import { webGpuUnavailable } from './adapter-available';

const unavailable = await webGpuUnavailable();

const images = { train: gratings(64, 1, 16), test: gratings(40, 2, 16) };

/** nt 4-bit cnn-small on 16x16 gratings, built from scratch on the selected backend: 4 steps an epoch. */
function job(overrides: Partial<TrainConfigInput> = {}, extra: Partial<TrainJob> = {}): TrainJob {
  const config = parseTrainConfig({ model: 'cnn-small', quant: { quantizer: 'nt', bits: 4 }, epochs: 2, batchSize: 16, lr: { base: 0.05 }, ...overrides });
  return {
    config,
    data: { inputShape: [16, 16, 1], numClasses: 10 },
    train: createBatchSource(images.train, { batchSize: 16, shuffle: true, seed: config.seed, dropLast: true }),
    test: createBatchSource(images.test, { batchSize: 20, shuffle: false, seed: 0, dropLast: false }),
    progressEvery: 1,
    ...extra,
  };
}

interface Trace {
  losses: number[];
  /** tf.memory().numTensors at every step's progress report. */
  tensorCounts: number[];
  epochs: EpochMetrics[];
}

async function traced(trainJob: TrainJob, hooks: TrainHooks = {}): Promise<Trace & { leaked: number }> {
  const trace: Trace = { losses: [], tensorCounts: [], epochs: [] };
  const before = tf.memory().numTensors;
  await train(trainJob, {
    ...hooks,
    onProgress: (p) => {
      trace.losses.push(p.loss);
      trace.tensorCounts.push(tf.memory().numTensors);
      hooks.onProgress?.(p);
    },
    onEpoch: (m) => {
      trace.epochs.push(m);
      hooks.onEpoch?.(m);
    },
  });
  return { ...trace, leaked: tf.memory().numTensors - before };
}

async function readStep(q: LsqQuantizer): Promise<number> {
  return (await q.step.data())[0];
}

// 19 s at most on the 2-core EPYC's software Vulkan, so 6x that.
describe.skipIf(unavailable !== null)(unavailable ?? 'quantization-aware training on the webgpu backend', { timeout: 120_000 }, () => {
  afterAll(() => releaseBackend());

  it('trains nt 4-bit from scratch, with layer stats, flat tensors, and the cpu backend first-step loss', async () => {
    await selectBackend('cpu');
    // One step is enough: the cpu backend takes ~40 s for the whole run.
    let cpuSteps = 0;
    const cpu = await traced(job(), { onProgress: () => cpuSteps++, shouldStop: () => cpuSteps >= 1 });
    await selectBackend('webgpu');
    const gpu = await traced(job());

    expect(gpu.losses).toHaveLength(8);
    expect(gpu.losses.every(Number.isFinite), `losses ${gpu.losses}`).toBe(true);
    // Same weights, noise and batch; s0 may differ in the last bit (quantizers/lsq.ts initOnDevice),
    // which can move an element across a rounding boundary: loose.
    expect(Math.abs(gpu.losses[0] - cpu.losses[0]) / cpu.losses[0]).toBeLessThan(1e-2);
    expect(gpu.tensorCounts, `tensors at each step: ${gpu.tensorCounts}`).toEqual(gpu.tensorCounts.map(() => gpu.tensorCounts[0]));
    expect(gpu.leaked).toBe(0);

    expect(gpu.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    for (const epoch of gpu.epochs) {
      expect(epoch.stepsAtFloor).toEqual([]);
      expect(epoch.layers.map((l) => l.layer)).toEqual(['conv1/conv', 'conv2/conv', 'conv3/conv', 'conv4/conv', 'classifier']);
      for (const { layer, weight, input } of epoch.layers) {
        for (const stats of [weight, input]) {
          expect(stats, layer).not.toBeNull();
          expect(stats!.step).toBeGreaterThan(0);
          expect(stats!.meanAbsError).toBeGreaterThan(0);
          expect(stats!.meanAbsError).toBeLessThanOrEqual(0.5);
          expect(stats!.clipFraction).toBeGreaterThanOrEqual(0);
          expect(stats!.clipFraction).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('resumes a QAT run from its checkpoint (Adam step count and all) on webgpu', async () => {
    await selectBackend('webgpu');
    const adam = { optimizer: { kind: 'adam' as const }, lr: { base: 1e-3 } };
    const straight = await traced(job(adam));
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-webgpu-')), 'ckpt');
    let epochsSeen = 0;
    await traced(job(adam, { checkpointDir: dir }), { onEpoch: () => epochsSeen++, shouldStop: () => epochsSeen >= 1 });
    const resumed = await traced(job(adam, { resumeFrom: dir }));
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([2]);
    expect(resumed.epochs[0].step).toBe(straight.epochs[1].step);
    // The GPU need not sum in one order every run: equal up to float error, not bit for bit.
    expect(Math.abs(resumed.epochs[0].trainLoss - straight.epochs[1].trainLoss)).toBeLessThan(1e-3 * straight.epochs[1].trainLoss);
    expect(resumed.leaked).toBe(0);
  });

  it('initializes step sizes on the device: the cpu value up to float32 rounding, NaN for non-finite input', async () => {
    const options = { kind: 'lsq' as const, bits: 4, signed: true, target: 'weight' as const, name: 'fc/weight_step' };
    const v = [0.3, -1.7, 2.2, 0.05, -0.9];
    const steps: number[] = [];
    for (const backend of ['cpu', 'webgpu'] as const) {
      await selectBackend(backend);
      const q = new LsqQuantizer(options);
      const x = tf.tensor1d(v);
      q.initFrom(x);
      steps.push(await readStep(q));
      tf.dispose([x, q.step]);
    }
    expect(Math.abs(steps[1] - steps[0]) / steps[0]).toBeLessThan(2 ** -22);

    const q = new LsqQuantizer(options);
    for (const bad of [NaN, Infinity]) {
      const x = tf.tensor1d([1, bad]);
      q.initFrom(x);
      expect(await readStep(q)).toBeNaN();
      x.dispose();
    }
    q.step.dispose();
  });
});
