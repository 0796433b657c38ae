import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { GRAY28, randomBatch, session, step } from '../helpers/engine';

const TINY = { inputShape: [8, 8, 1] as [number, number, number], numClasses: 4 };

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('TrainingSession', () => {
  it('gives the same losses for the same config and seed, and different ones for another seed', async () => {
    const losses = async (seed: number) => {
      const s = session({ model: 'cnn-small', seed, quant: { quantizer: 'nt', bits: 4 } }, GRAY28);
      const batch = randomBatch(8, GRAY28);
      const out = [(await step(s, batch))[0], (await step(s, batch))[0], (await step(s, batch))[0]];
      tf.dispose([batch.x, batch.y]);
      s.dispose();
      return out;
    };
    const [a, b, c] = [await losses(3), await losses(3), await losses(4)];
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('keeps tf.memory().numTensors identical after step 10 and step 1,000', async () => {
    const s = session({ model: 'mlp', quant: { quantizer: 'nt', bits: 2 }, optimizer: { kind: 'adam' }, lr: { base: 1e-3 } }, TINY, 1000);
    const batch = randomBatch(16, TINY);
    let afterTen = 0;
    for (let i = 1; i <= 1000; i++) {
      const out = s.trainStep(batch, i % 100 === 0);
      if (i % 50 === 0) await out.data();
      out.dispose();
      // As train() does after the step that records them: reading releases their tensors.
      if (i % 100 === 0) await s.layerStats();
      if (i === 10) afterTen = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(afterTen);
    tf.dispose([batch.x, batch.y]);
    s.dispose();
  });

  it('follows the temper schedule: λ0 at step 0, decaying, and 0 for quantizers without noise', () => {
    const nt = session({ model: 'mlp', quant: { quantizer: 'nt', temper: { lambda0: 0.8 } } }, TINY, 10);
    expect(nt.lambda()).toBe(0.8);
    nt.step = 5;
    expect(nt.lambda()).toBeLessThan(0.8);
    const lsq = session({ model: 'mlp', quant: { quantizer: 'lsq' } }, TINY, 10);
    expect(lsq.lambda()).toBe(0);
    nt.dispose();
    lsq.dispose();
  });

  it('keeps step sizes positive and reports those held at the floor', async () => {
    const s = session({ model: 'mlp', quant: { quantizer: 'lsq', bits: 4, stepEpsilon: 1e-3 }, lr: { kind: 'constant', base: 1e-6 } }, TINY);
    const { weight } = s.model.store.quantizers[1];
    tf.tidy(() => weight.step!.assign(tf.scalar(-0.5)));
    const batch = randomBatch(8, TINY);
    await step(s, batch);
    expect(weight.step!.dataSync()[0]).toBeGreaterThanOrEqual(1e-3);
    expect(await s.stepsAtFloor()).toContain('fc2/weight_step');
    tf.dispose([batch.x, batch.y]);
    s.dispose();
  });

  it('records per-layer quantizer statistics when asked', async () => {
    const s = session({ model: 'mlp', quant: { quantizer: 'nt', bits: 4 } }, TINY);
    const batch = randomBatch(8, TINY);
    const out = s.trainStep(batch, true);
    out.dispose();
    const stats = await s.layerStats();
    expect(stats.map((l) => l.layer)).toEqual(['fc1', 'fc2', 'classifier']);
    for (const { weight, input } of stats) {
      expect(weight!.step).toBeGreaterThan(0);
      expect(weight!.meanAbsError).toBeGreaterThan(0);
      expect(weight!.meanAbsError).toBeLessThanOrEqual(0.5);
      expect(input!.clipFraction).toBeGreaterThanOrEqual(0);
    }
    tf.dispose([batch.x, batch.y]);
    s.dispose();
  });
});
