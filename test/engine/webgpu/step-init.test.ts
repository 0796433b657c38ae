import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createBatchSource } from '../../../src-main/data/batches';
import { releaseBackend, selectBackend } from '../../../src-main/engine/backend';
import { createQuantizer } from '../../../src-main/engine/quantizers';
import { type EpochMetrics, train } from '../../../src-main/engine/train';
import { parseTrainConfig } from '../../../shared/config';
import { Rng } from '../../../shared/rng';
import { gratings } from '../../helpers/gratings';
import { webGpuUnavailable } from './adapter-available';

const unavailable = await webGpuUnavailable();

const values = (() => {
  const rng = new Rng(5);
  return Float32Array.from({ length: 4096 }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
})();

/** The searched step and the levels its codes use for `values`, on the backend selected now. */
async function mseStepAndLevels(): Promise<{ step: number; levels: number }> {
  const q = createQuantizer({ kind: 'nt', bits: 3, signed: true, target: 'activation', name: `x/${tf.getBackend()}`, init: 'mse' });
  const v = tf.tensor(values, [64, 64]);
  tf.dispose(q.apply(v, { training: false, lambda: 0, noise: 'uniform', nextSeed: () => 1, collectStats: true }));
  const stats = (await q.readStats())!;
  v.dispose();
  q.step!.dispose();
  return { step: stats.step, levels: stats.levelsUsed! };
}

// One epoch of 4 steps on the 2-core EPYC's software Vulkan: about 20 s, so 6x that.
describe.skipIf(unavailable !== null)(unavailable ?? 'step-size init mse and levels used on the webgpu backend', { timeout: 120_000 }, () => {
  afterAll(() => releaseBackend());

  it('searches the same step as the cpu backend (the grid point may differ by one on a near tie) and counts the same levels', async () => {
    await selectBackend('cpu');
    const cpu = await mseStepAndLevels();
    await selectBackend('webgpu');
    const gpu = await mseStepAndLevels();
    expect(Math.abs(gpu.step - cpu.step) / cpu.step).toBeLessThan(0.025);
    expect(cpu.levels).toBe(8);
    expect(gpu.levels).toBe(cpu.levels);
  });

  it('trains cnn-small with init mse and records levels used for every quantizer', async () => {
    await selectBackend('webgpu');
    const config = parseTrainConfig({ model: 'cnn-small', quant: { quantizer: 'nt', bits: 4, init: 'mse' }, epochs: 1, batchSize: 16, lr: { base: 0.05 } });
    const images = { train: gratings(64, 1, 16), test: gratings(40, 2, 16) };
    const epochs: EpochMetrics[] = [];
    const losses: number[] = [];
    await train({
      config,
      data: { inputShape: [16, 16, 1], numClasses: 10 },
      train: createBatchSource(images.train, { batchSize: 16, shuffle: true, seed: 0, dropLast: true }),
      test: createBatchSource(images.test, { batchSize: 20, shuffle: false, seed: 0, dropLast: false }),
      progressEvery: 1,
    }, { onEpoch: (m) => epochs.push(m), onProgress: (p) => losses.push(p.loss) });
    expect(losses.every(Number.isFinite), `losses ${losses}`).toBe(true);
    const first = epochs[0].layers.find((l) => l.layer === 'conv1/conv')!;
    // 8-bit first layer: the searched step spreads the image over far more than LSQ's handful of levels.
    expect(first.input!.levelsUsed).toBeGreaterThan(40);
    for (const l of epochs[0].layers) expect(l.weight!.levelsUsed).toBeGreaterThan(1);
  });
});
