import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseBackend, selectBackend } from '../../../src-main/engine/backend';
import '../../../src-main/engine/gradients';
import { type BinNoise, fakeQuant } from '../../../src-main/engine/quantizers/fake-quant';
import { hasFusedFakeQuant } from '../../../src-main/engine/quantizers/fake-quant-kernel';
import { Rng } from '../../../shared/rng';
import { TrainingSession } from '../../../src-main/engine/session';
import { parseTrainConfig, type ModelName, type QuantizerKind } from '../../../shared/config';
import { webGpuUnavailable } from './adapter-available';

const unavailable = await webGpuUnavailable();

const uniform = (size: number, seed: number, halfWidth: number) => new Rng(seed).fillUniform(new Float32Array(size), -halfWidth, halfWidth);

/** fakeQuant's value and its gradients w.r.t. v and s, read asynchronously (WebGPU has no sync reads). */
async function fakeQuantWithGrads(backend: string, kind: 'lsq' | BinNoise['kind']): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const size = 4096;
  // A step of 0.25 keeps v/s exact, so no value sits on a rounding tie on one backend only.
  const [v, s, dy, draws] = [tf.tensor1d(uniform(size, 1, 3)), tf.scalar(0.25), tf.tensor1d(uniform(size, 2, 1)), tf.tensor1d(uniform(size, 3, 1))];
  const noise: BinNoise | undefined = kind === 'tempered' ? { kind, lambda: 0.37, xi: draws } : kind === 'pseudo' ? { kind, n: tf.mul(draws, 0.5) } : undefined;
  const levels = { qn: 8, qp: 7 };
  const value = fakeQuant(v, s, levels, 0.01, noise);
  const [dv, ds] = tf.grads((x: tf.Tensor, step: tf.Tensor) => tf.sum(tf.mul(fakeQuant(x, step, levels, 0.01, noise), dy)))([v, s]);
  const read = await Promise.all([value, dv, ds].map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([v, s, dy, draws, value, dv, ds, ...(noise?.kind === 'pseudo' ? [noise.n] : [])]);
  return read;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - b[i])), 0);

async function stepTensorCounts(model: ModelName, quantizer: QuantizerKind, steps: number): Promise<number[]> {
  const config = parseTrainConfig({ model, quant: { quantizer, bits: 4 }, batchSize: 8, epochs: 1 });
  const batch = { x: tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D, y: tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32') };
  const session = TrainingSession.create(config, { inputShape: [16, 16, 3], numClasses: 10 }, steps);
  const counts: number[] = [];
  for (let step = 0; step < steps; step++) {
    const out = session.trainStep(batch);
    const [loss] = await out.data();
    expect(Number.isFinite(loss)).toBe(true);
    out.dispose();
    counts.push(tf.memory().numTensors);
  }
  tf.dispose([batch.x, batch.y]);
  session.model.store.dispose();
  return counts;
}

// 19 s at most on the 2-core EPYC's software Vulkan, so 6x that.
describe.skipIf(unavailable !== null)(unavailable ?? 'training on the webgpu backend', { timeout: 120_000 }, () => {
  afterAll(() => releaseBackend());

  it.each(['lsq', 'tempered', 'pseudo'] as const)('computes fake quantization (%s) with composed ops, as the cpu backend does', async (kind) => {
    await selectBackend('webgpu');
    expect(hasFusedFakeQuant()).toBe(false);
    const cpu = await fakeQuantWithGrads('cpu', kind);
    const webgpu = await fakeQuantWithGrads('webgpu', kind);
    const [value, dv, ds] = webgpu.map((w, i) => maxAbsDiff(cpu[i], w));
    expect(value).toBeLessThan(1e-6);
    expect(dv).toBe(0);
    expect(ds / Math.abs(cpu[2][0])).toBeLessThan(1e-4);
  });

  it.each([
    ['resnet20', 'fp'],
    ['cnn-small', 'nt'],
  ] as const)('keeps tf.memory().numTensors flat across training steps (%s, %s)', async (model, quantizer) => {
    await selectBackend('webgpu');
    const counts = await stepTensorCounts(model, quantizer, 4);
    expect(counts.slice(1), `tensors after each step: ${counts}`).toEqual(counts.slice(1).map(() => counts[0]));
  });
});
