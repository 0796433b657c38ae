import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../layers/params';
import { QDense } from '../layers/quantized';
import type { QuantizeContext } from '../quantizers/quantizer';
import { ConvBn, globalAveragePool } from './conv-block';
import { LayerPlan, type Model, type ModelSpec } from './model';

/** Four 3x3 convs (32, 32, 64, 64 channels, two of stride 2) and a classifier: sized for 28x28 images. */
export function buildCnnSmall(spec: ModelSpec, nextSeed: () => number): Model {
  const store = new ParamStore(nextSeed);
  const plan = new LayerPlan(spec);
  const channels = spec.inputShape[2];
  const layers = [
    new ConvBn(store, 'conv1', channels, 32, 3, 1, plan.first(), plan.activation),
    new ConvBn(store, 'conv2', 32, 32, 3, 2, plan.inner(), plan.activation),
    new ConvBn(store, 'conv3', 32, 64, 3, 1, plan.inner(), plan.activation),
    new ConvBn(store, 'conv4', 64, 64, 3, 2, plan.inner(), plan.activation),
  ];
  const classifier = new QDense(store, 'classifier', 64, spec.numClasses, plan.last());

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
