import * as tf from '@tensorflow/tfjs-core';
import { createBatchSource, type ImageSet } from '../../src-main/data/batches';
import { EVAL_CONTEXT } from '../../src-main/engine/evaluate';
import { buildModel, type Model } from '../../src-main/engine/models';
import { Rng } from '../../shared/rng';
import { type ModelName, parseTrainConfig, type QuantizerKind } from '../../shared/config';
import { session, step } from './engine';
import { gratings } from './gratings';

/** Image side and channels per model: small, but every stride-2 stage and shortcut still runs. */
export const SMALL_SHAPES: Record<string, [number, number]> = { mlp: [12, 1], 'cnn-small': [12, 1], resnet20: [16, 3] };

/**
 * A model after a few training steps on gratings, so batch-norm statistics and step sizes are no
 * longer their initial values, and a 100-image test set of the same shape.
 */
export async function trainedModel(name: ModelName, quantizer: QuantizerKind, firstLastBits: number | null = 8, bits = 4): Promise<{ model: Model; test: ImageSet }> {
  const [side, channels] = SMALL_SHAPES[name];
  const train = gratings(48, 1, side, channels);
  const s = session({ model: name, quant: { quantizer, bits, firstLastBits }, lr: { base: 0.05 } }, { inputShape: [side, side, channels], numClasses: 10 }, 3);
  for await (const batch of createBatchSource(train, { batchSize: 16, shuffle: true, seed: 0, dropLast: true, prefetch: false }).batches(0)) {
    await step(s, batch);
    tf.dispose([batch.x, batch.y]);
  }
  return { model: s.model, test: gratings(100, 2, side, channels) };
}

/**
 * An untrained 3-bit lsq ResNet-18 for 64×64 RGB (max-pool stem, projection shortcuts), its activation
 * step sizes initialized by one forward pass, and a 4-image test set.
 */
export function initializedResnet18(): { model: Model; test: ImageSet } {
  const rng = new Rng(0);
  const quant = parseTrainConfig({ model: 'resnet18', quant: { quantizer: 'lsq', bits: 3 } }).quant;
  const model = buildModel({ name: 'resnet18', inputShape: [64, 64, 3], numClasses: 10, quant }, () => rng.nextSeed());
  const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  tf.dispose(model.apply(x, EVAL_CONTEXT));
  x.dispose();
  return { model, test: gratings(4, 0, 64, 3) };
}
