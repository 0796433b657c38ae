import * as tf from '@tensorflow/tfjs-core';
import { EVAL_CONTEXT } from '../../../src-main/engine/evaluate';
import '../../../src-main/engine/gradients';
import { buildModel } from '../../../src-main/engine/models';
import { Rng } from '../../../shared/rng';
import { parseTrainConfig } from '../../../shared/config';

/** max |a − b| / max |a| over one tensor, as in test/engine/resnet-gradients.test.ts. */
function relativeError(expected: Float32Array, actual: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

export interface GradientMatch {
  parameters: number;
  /** The parameter whose gradient differs most from the cpu backend's, relatively. */
  worst: { name: string; error: number };
}

/**
 * One ResNet-20 step's gradients on `backend` against the cpu backend's (the approach of
 * test/engine/resnet-gradients.test.ts). Select `backend` first. Built and differentiated on cpu
 * first, so tensors move from cpu to `backend` and never back: WebGPU has no synchronous reads.
 */
export async function resnetGradientMatch(backend: string): Promise<GradientMatch> {
  await tf.setBackend('cpu');
  const rng = new Rng(0);
  const quant = parseTrainConfig({ model: 'resnet20', quant: { quantizer: 'fp' } }).quant;
  // Softplus instead of ReLU: ReLU masks flip on ~1e-6 forward differences between backends.
  const model = buildModel({ name: 'resnet20', inputShape: [16, 16, 3], numClasses: 10, quant, activation: 'softplus' }, () => rng.nextSeed());
  const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d([0, 3, 5, 9], 'int32'), 10);
  const vars = model.store.trainable.map((p) => p.variable);
  const ctx = { ...EVAL_CONTEXT, training: true };

  const gradients: Map<string, Float32Array>[] = [];
  for (const name of ['cpu', backend]) {
    await tf.setBackend(name);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, ctx)) as tf.Scalar, vars);
    const read = await Promise.all(model.store.trainable.map(async (p) => [p.name, Float32Array.from(await grads[p.variable.name].data())] as const));
    gradients.push(new Map(read));
    tf.dispose(grads);
  }
  tf.dispose([x, labels]);
  model.store.dispose();
  const [cpu, other] = gradients;
  const errors = [...cpu].map(([name, expected]) => ({ name, error: relativeError(expected, other.get(name)!) }));
  return { parameters: cpu.size, worst: errors.reduce((a, b) => (b.error > a.error ? b : a)) };
}
