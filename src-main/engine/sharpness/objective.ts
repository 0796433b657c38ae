import * as tf from '@tensorflow/tfjs-core';
import '../gradients';
import { EVAL_CONTEXT } from '../evaluate';
import type { Model } from '../models';
import type { SubsetTensors } from './subset';
import type { ParamVector } from './vector';

/** A loss over parameters held in variables, as a sum of terms: what Hessian-vector products differentiate. */
export interface Objective {
  /** The parameters; central-difference products move them and put them back. */
  readonly params: readonly tf.Variable[];
  /** How many terms the loss is the sum of; each is differentiated on its own, so memory is one term's. */
  readonly terms: number;
  /** Term i of the loss, written with ops tfjs can differentiate twice. */
  term(i: number): tf.Scalar;
}

/** ∇L at the parameters' current values, one tensor per parameter, summed over the terms; the caller disposes it. */
export function objectiveGradient(objective: Objective): ParamVector {
  const { params, terms } = objective;
  if (terms < 1) throw new Error('objectiveGradient: the objective has no terms (is the subset empty?)');
  let sum: ParamVector | null = null;
  for (let i = 0; i < terms; i++) {
    const { value, grads } = tf.variableGrads(() => objective.term(i), [...params]);
    value.dispose();
    const parts = params.map((p) => grads[p.name]);
    if (parts.some((g) => g === undefined)) throw new Error('objectiveGradient: a parameter got no gradient (is it unused by the forward?)');
    if (sum === null) {
      sum = parts;
      continue;
    }
    const previous: ParamVector = sum;
    sum = tf.tidy(() => previous.map((s, j) => tf.add(s, parts[j])));
    tf.dispose([...previous, ...parts]);
  }
  return sum!;
}

/**
 * Mean cross-entropy of `model` over the whole subset, one term per batch (scaled by 1/count), as a
 * function of every trainable parameter but the quantizer step sizes. BN uses its running
 * statistics (EVAL_CONTEXT), there is no noise; a model built with quantizer 'fp'
 * (fullPrecisionTwin) makes it the full-precision forward. The loss is logsumexp(z) − z_y written
 * out: tf.losses.softmaxCrossEntropy is a customGrad op, whose gradient double backprop would
 * treat as a constant of the logits, silently dropping the softmax's curvature; and tf.logSumExp
 * differentiates through its max, whose gradient (an Equal mask) has no gradient itself; and
 * tf.exp's gradient reads its saved output, which tfjs 4.22 tapes before the op that made it, so
 * a second backward sees it as a constant.
 */
export function crossEntropyObjective(model: Model, subset: SubsetTensors): Objective {
  const params = model.store.trainable.filter((p) => p.role !== 'step').map((p) => p.variable);
  const { numClasses } = model.spec;
  const term = (i: number): tf.Scalar =>
    tf.tidy(() => {
      const { x, y } = subset.batches[i];
      const logits = model.apply(x, EVAL_CONTEXT);
      // logsumexp shifted by the row max, held constant: the value does not depend on the shift.
      const shift = constantRowMax(logits);
      const logSumExp = tf.add(tf.log(tf.sum(exp(tf.sub(logits, shift)), 1)), tf.reshape(shift, [-1]));
      const picked = tf.sum(tf.mul(tf.oneHot(y, numClasses), logits), 1);
      return tf.div(tf.sum(tf.sub(logSumExp, picked)), subset.count) as tf.Scalar;
    });
  return { params, terms: subset.batches.length, term };
}

/**
 * max over axis 1 (kept) with a zero gradient: the max is taken inside the customGrad, so no Max
 * op (whose gradient's Equal mask cannot be differentiated) reaches the tape.
 */
const constantRowMax = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.max(x, 1, true), gradFunc: () => tf.zeros(x.shape) };
}) as (x: tf.Tensor) => tf.Tensor;

/** eˣ whose gradient is recomputed from the input, so double backprop sees it depend on x (see crossEntropyObjective). */
const exp = tf.customGrad((...args) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return { value: tf.exp(x), gradFunc: (dy: tf.Tensor, [input]: tf.Tensor[]) => tf.mul(dy, tf.exp(input)) };
}) as (x: tf.Tensor) => tf.Tensor;
