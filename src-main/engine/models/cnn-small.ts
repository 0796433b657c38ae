import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../layers/params';
import { QDense } from '../layers/quantized';
import type { QuantizeContext } from '../quantizers/quantizer';
import { ConvBn, globalAveragePool } from './conv-block';
import { LayerPlan, type Model, type ModelSpec } from './model';

/** Channels and strides of the 3x3 convs conv1…conv4 (docs/method.md §4.2). */
export const CNN_SMALL_CHANNELS = [32, 32, 64, 64] as const;
export const CNN_SMALL_STRIDES = [1, 2, 1, 2] as const;

/** Four 3x3 convs (two of stride 2) and a classifier: sized for 28x28 images. */
export function buildCnnSmall(spec: ModelSpec, nextSeed: () => number): Model {
  const store = new ParamStore(nextSeed);
  const plan = new LayerPlan(spec);
  let inChannels = spec.inputShape[2];
  const layers = CNN_SMALL_CHANNELS.map((channels, i) => {
    const layer = new ConvBn(store, `conv${i + 1}`, inChannels, channels, 3, CNN_SMALL_STRIDES[i], i === 0 ? plan.first() : plan.inner(), plan.activation);
    inChannels = channels;
    return layer;
  });
  const classifier = new QDense(store, 'classifier', inChannels, spec.numClasses, plan.last());

  function apply(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor2D {
    let y = x;
    for (const layer of layers) y = layer.applyActivated(y, ctx);
    return classifier.apply(globalAveragePool(y), ctx);
  }
  function graph() {
    const { graph, input } = plan.graph();
    let y = input;
    for (const layer of layers) y = layer.describeActivated(graph, y);
    graph.add(classifier.describe(graph.globalAveragePool('pool', y)));
    return graph.nodes;
  }
  return { spec, store, apply, graph };
}
