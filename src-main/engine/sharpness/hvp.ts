import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from './objective';
import { norm, type ParamVector } from './vector';

/** v ↦ Hv at the objective's parameters as they were when the product was made. */
export interface HessianVectorProduct {
  (v: ParamVector): ParamVector;
  /** Frees the saved parameter values (the parameters themselves are already back in place). */
  dispose(): void;
}

/**
 * Hv ≈ (∇L(w + h·v) − ∇L(w − h·v)) / 2h (method.md §5.1): central differences of gradients, because
 * tfjs has no gradient of Conv2DBackpropFilter and double backprop fails on conv nets.
 *
 * The step is relative to the weights: h = relativeStep·‖w‖/‖v‖, so the move h·v has norm
 * relativeStep·‖w‖ whatever v's scale. For a Rademacher v every parameter moves by relativeStep·rms(w)
 * (1e-3 by default: 0.1 % of a typical weight). Larger steps blur the curvature over a wider region
 * (and over more ReLU kinks); smaller ones lose the difference in float32 rounding of the gradients.
 * The O(h²) error of central differences and the O(ε/h) rounding error balance near 1e-3 on the MLP
 * checked against an exact Hessian (test/engine/sharpness/hvp.test.ts).
 *
 * The parameters are moved in place and put back bit for bit after every product.
 */
export function centralDifferenceHvp(objective: Objective, relativeStep: number): HessianVectorProduct {
  if (!(relativeStep > 0) || !Number.isFinite(relativeStep)) {
    throw new Error(`Error in centralDifferenceHvp: relativeStep must be a positive number, got ${relativeStep}`);
  }
  const { params } = objective;
  const origin = params.map((p) => tf.clone(p));
  // A model of all-zero weights still needs a step: take it relative to 1 then.
  const weightNorm = norm(origin) || 1;

  const moveBy = (h: number, v: ParamVector) =>
    tf.tidy(() => params.forEach((p, i) => p.assign(tf.add(origin[i], tf.mul(v[i], h)))));
  const restore = () => params.forEach((p, i) => p.assign(origin[i]));

  const product = (v: ParamVector): ParamVector => {
    if (v.length !== params.length) throw new Error(`Error in hessianVectorProduct: v has ${v.length} parts, the objective ${params.length} parameters`);
    v.forEach((t, i) => {
      if (!tf.util.arraysEqual(t.shape, params[i].shape)) {
        throw new Error(`Error in hessianVectorProduct: part ${i} of v has shape [${t.shape}], its parameter [${params[i].shape}]`);
      }
    });
    const vNorm = norm(v);
    if (vNorm === 0) return v.map((t) => tf.zerosLike(t));
    const h = (relativeStep * weightNorm) / vNorm;
    let plus: ParamVector = [];
    let minus: ParamVector = [];
    try {
      moveBy(h, v);
      plus = objective.gradient();
      moveBy(-h, v);
      minus = objective.gradient();
      return tf.tidy(() => plus.map((g, i) => tf.div(tf.sub(g, minus[i]), 2 * h)));
    } finally {
      restore();
      tf.dispose([...plus, ...minus]);
    }
  };
  return Object.assign(product, { dispose: () => tf.dispose(origin) });
}
