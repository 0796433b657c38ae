import * as tf from '@tensorflow/tfjs-core';
import { EVAL_CONTEXT } from '../evaluate';
import { buildModel, type Model } from '../models';
import type { Quantizer } from '../quantizers/quantizer';

/** Where the curvature is measured: the deployed weights ŵ = quantize(w), or the latent w. */
export type EvaluationPoint = 'dequantized' | 'latent';

/**
 * A copy of `model` built with quantizer 'fp' (every quantizer the identity, no step sizes), holding
 * the dequantized weights ŵ (the weight quantizer's deployment forward, a hard LSQ round) or the
 * latent ones, and the same biases, BN parameters and running statistics. Its forward is the
 * full-precision forward at that point: "curvature at the deployed point" (method.md §5.1).
 * Moving the twin's parameters never touches the model. The caller disposes it (twin.store.dispose()).
 */
export function fullPrecisionTwin(model: Model, at: EvaluationPoint): Model {
  if (at !== 'dequantized' && at !== 'latent') throw new Error(`fullPrecisionTwin: at must be 'dequantized' or 'latent', got ${String(at)}`);
  const spec = { ...model.spec, quant: { ...model.spec.quant, quantizer: 'fp' as const } };
  // The twin's own initialization is overwritten below; its seed does not matter.
  const twin = buildModel(spec, () => 0);
  try {
    const source = new Map(model.store.allVariables().map(({ name, variable }) => [name, variable]));
    const weightQuantizer = new Map<tf.Variable, Quantizer>(model.store.quantizers.map((q) => [q.weightVariable, q.weight]));
    for (const { name, variable } of twin.store.allVariables()) {
      const original = source.get(name);
      if (!original || !tf.util.arraysEqual(original.shape, variable.shape)) {
        throw new Error(`fullPrecisionTwin: the full-precision ${spec.name} has '${name}' [${variable.shape}], the model ${original ? `[${original.shape}]` : 'has no such tensor'}`);
      }
      const quantizer = weightQuantizer.get(original);
      tf.tidy(() => variable.assign(at === 'dequantized' && quantizer ? quantizer.apply(original, EVAL_CONTEXT) : original));
    }
    return twin;
  } catch (error) {
    twin.store.dispose();
    throw error;
  }
}
