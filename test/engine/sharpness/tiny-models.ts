import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../../../src-main/engine/layers/params';
import { BatchNorm } from '../../../src-main/engine/layers/batch-norm';
import { QDense, type LayerQuant } from '../../../src-main/engine/layers/quantized';
import { ConvBn, globalAveragePool } from '../../../src-main/engine/models/conv-block';
import type { Model } from '../../../src-main/engine/models';
import { Rng } from '../../../shared/rng';
import { parseTrainConfig } from '../../../shared/config';
import { selectSubset, subsetTensors, type SubsetTensors } from '../../../src-main/engine/sharpness/subset';
import { gratings } from '../../helpers/gratings';

export const TINY_SIDE = 6;
export const TINY_CLASSES = 3;
const FP: LayerQuant = { kind: 'fp', bits: 8, inputSigned: false };

/**
 * Models small enough for a full Hessian, column by column (about 100 parameters), built from the
 * project's layers in full precision: an MLP (dense, BN, activation, dense) and a CNN (two conv +
 * BN + activation blocks, one of stride 2, global average pooling, dense). BN's running statistics
 * and affine parameters are set away from their initial values.
 */
export function tinyModel(kind: 'mlp' | 'cnn', activation: 'relu' | 'softplus' = 'relu', seed = 0): Model {
  const rng = new Rng(seed);
  const store = new ParamStore(() => rng.nextSeed());
  const act = activation === 'relu' ? tf.relu : tf.softplus;
  const quant = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'fp' } }).quant;
  const spec = { name: kind === 'mlp' ? ('mlp' as const) : ('cnn-small' as const), inputShape: [TINY_SIDE, TINY_SIDE, 1] as [number, number, number], numClasses: TINY_CLASSES, quant, activation };
  let apply: Model['apply'];
  if (kind === 'mlp') {
    const hidden = new QDense(store, 'fc1', TINY_SIDE * TINY_SIDE, 4, FP);
    const bn = new BatchNorm(store, 'bn1', 4);
    const classifier = new QDense(store, 'classifier', 4, TINY_CLASSES, FP);
    apply = (x, ctx) => classifier.apply(act(bn.apply(hidden.apply(tf.reshape(x, [x.shape[0], -1]), ctx), ctx.training)) as tf.Tensor2D, ctx);
  } else {
    const blocks = [new ConvBn(store, 'conv1', 1, 3, 3, 1, FP, act), new ConvBn(store, 'conv2', 3, 2, 3, 2, FP, act)];
    const classifier = new QDense(store, 'classifier', 2, TINY_CLASSES, FP);
    apply = (x, ctx) => classifier.apply(globalAveragePool(blocks.reduce((y, b) => b.applyActivated(y, ctx), x)), ctx);
  }
  const model: Model = { spec, store, apply, graph: () => [] };
  tf.tidy(() => {
    for (const { name, variable } of store.allVariables()) {
      const noise = tf.randomUniform(variable.shape, -0.5, 0.5, 'float32', rng.nextSeed());
      if (name.endsWith('running_var') || name.endsWith('gamma')) variable.assign(tf.add(1, noise));
      else if (name.endsWith('running_mean') || name.endsWith('beta') || name.endsWith('bias')) variable.assign(tf.mul(noise, 0.4));
    }
  });
  return model;
}

/** `count` grating images of the tiny models' shape, labels folded to TINY_CLASSES, in batches of `batchSize`. */
export async function tinySubset(count = 16, batchSize = 8): Promise<SubsetTensors> {
  const images = gratings(count, 3, TINY_SIDE);
  return subsetTensors(selectSubset({ ...images, labels: images.labels.map((l) => l % TINY_CLASSES), numClasses: TINY_CLASSES }, count, 0), batchSize);
}
