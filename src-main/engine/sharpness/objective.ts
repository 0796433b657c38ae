import * as tf from '@tensorflow/tfjs-core';
import '../gradients';
import { EVAL_CONTEXT } from '../evaluate';
import type { Model } from '../models';
import type { SubsetTensors } from './subset';
import type { ParamVector } from './vector';

/** A loss over parameters held in variables: what Hessian-vector products differentiate. */
export interface Objective {
  /** The parameters; hessianVectorProduct moves them and puts them back. */
  readonly params: readonly tf.Variable[];
  /** ∇L at the parameters' current values, one tensor per parameter; the caller disposes it. */
  gradient(): ParamVector;
}

/**
 * Mean cross-entropy of `model` over the whole subset, as a function of every trainable parameter
 * but the quantizer step sizes. BN uses its running statistics (EVAL_CONTEXT), there is no noise;
 * a model built with quantizer 'fp' (fullPrecisionTwin) makes it the full-precision forward.
 * Gradients run batch by batch, each scaled by 1/count, and are summed: memory is one batch's.
 */
export function crossEntropyObjective(model: Model, subset: SubsetTensors): Objective {
  const params = model.store.trainable.filter((p) => p.role !== 'step').map((p) => p.variable);
  const { numClasses } = model.spec;
  function gradient(): ParamVector {
    let sum: ParamVector | null = null;
    for (const { x, y } of subset.batches) {
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(x, EVAL_CONTEXT);
        const losses = tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), logits, undefined, 0, tf.Reduction.NONE);
        return tf.div(tf.sum(losses), subset.count) as tf.Scalar;
      }, params);
      value.dispose();
      const parts = params.map((p) => grads[p.name]);
      if (parts.some((g) => g === undefined)) throw new Error('crossEntropyObjective: a parameter got no gradient (is it unused by the forward?)');
      if (sum === null) {
        sum = parts;
        continue;
      }
      const previous: ParamVector = sum;
      sum = tf.tidy(() => previous.map((s, i) => tf.add(s, parts[i])));
      tf.dispose([...previous, ...parts]);
    }
    if (sum === null) throw new Error('crossEntropyObjective: the subset is empty');
    return sum;
  }
  return { params, gradient };
}
