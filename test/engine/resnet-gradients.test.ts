import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { EVAL_CONTEXT } from '../../src-main/engine/evaluate';
import '../../src-main/engine/gradients';
import { buildModel } from '../../src-main/engine/models';
import { Rng } from '../../shared/rng';
import { parseTrainConfig } from '../../shared/config';
import { ONEDNN_IF_BUILT } from '../helpers/onednn';

/** max |a − b| / max |a| over one tensor. */
function relativeError(expected: Float32Array, actual: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

// 22 s on the 2-core EPYC, so 5x that.
describe.each(['wasm', ...ONEDNN_IF_BUILT])('%s training kernels on a whole ResNet-20', { timeout: 120_000 }, (backendName) => {
  it('give the cpu backend gradients within 1e-4 relative on every parameter', async () => {
    await selectBackend(backendName as 'wasm');
    const rng = new Rng(0);
    const quant = parseTrainConfig({ model: 'resnet20', quant: { quantizer: 'fp' } }).quant;
    // Softplus instead of ReLU: ReLU masks flip on ~1e-6 forward differences between backends.
    const model = buildModel({ name: 'resnet20', inputShape: [16, 16, 3], numClasses: 10, quant, activation: 'softplus' }, () => rng.nextSeed());
    const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 3, 5, 9], 'int32'), 10);
    const vars = model.store.trainable.map((p) => p.variable);
    const ctx = { ...EVAL_CONTEXT, training: true };

    const gradients: Record<string, Map<string, Float32Array>> = {};
    for (const backend of ['cpu', backendName]) {
      await tf.setBackend(backend);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, ctx)) as tf.Scalar, vars);
      gradients[backend] = new Map(model.store.trainable.map((p) => [p.name, Float32Array.from(grads[p.variable.name].dataSync())]));
      tf.dispose(grads);
    }
    expect(gradients.cpu.size).toBe(model.store.trainable.length);
    const worst = [...gradients.cpu].map(([name, cpu]) => ({ name, error: relativeError(cpu, gradients[backendName].get(name)!) })).sort((a, b) => b.error - a.error);
    expect(worst[0].error, `worst parameter: ${worst[0].name}`).toBeLessThan(1e-4);
    tf.dispose([x, labels]);
    model.store.dispose();
  });
});
