import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../layers/batch-norm';
import { ParamStore } from '../layers/params';
import { QDense } from '../layers/quantized';
import type { QuantizeContext } from '../quantizers/quantizer';
import { LayerPlan, type Model, type ModelSpec } from './model';

/** Units of the hidden layers (docs/method.md §4.2). */
export const MLP_HIDDEN = [256, 128] as const;

/** Two hidden layers with batch norm: the smallest model, for quick checks and Hessian tests. */
export function buildMlp(spec: ModelSpec, nextSeed: () => number): Model {
  const store = new ParamStore(nextSeed);
  const plan = new LayerPlan(spec);
  const [h, w, c] = spec.inputShape;
  const hidden: { dense: QDense; bn: BatchNorm }[] = [];
  let inUnits = h * w * c;
  MLP_HIDDEN.forEach((units, i) => {
    const quant = i === 0 ? plan.first() : plan.inner();
    hidden.push({ dense: new QDense(store, `fc${i + 1}`, inUnits, units, quant), bn: new BatchNorm(store, `bn${i + 1}`, units) });
    inUnits = units;
  });
  const classifier = new QDense(store, 'classifier', inUnits, spec.numClasses, plan.last());

  function apply(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor2D {
    let y: tf.Tensor2D = tf.reshape(x, [x.shape[0], -1]);
    for (const { dense, bn } of hidden) y = plan.activation(bn.apply(dense.apply(y, ctx), ctx.training)) as tf.Tensor2D;
    return classifier.apply(y, ctx);
  }
  function graph() {
    const { graph, input } = plan.graph();
    let y = graph.add({ name: 'flatten', kind: 'flatten', inputs: [input], attrs: {} });
    for (const { dense, bn } of hidden) y = graph.activation(dense.name, graph.add(bn.describe(graph.add(dense.describe(y)))));
    graph.add(classifier.describe(y));
    return graph.nodes;
  }
  return { spec, store, apply, graph };
}
