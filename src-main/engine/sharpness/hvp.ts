import * as tf from '@tensorflow/tfjs-core';
import { objectiveGradient, type Objective } from './objective';
import { HVP_METHODS, type HvpMethod } from './params';
import { norm, type ParamVector } from './vector';


/** v ↦ Hv at the objective's parameters as they were when the product was made. */
export interface HessianVectorProduct {
  (v: ParamVector): ParamVector;
  readonly method: HvpMethod;
  /** Frees what the product holds (the parameters themselves are left in place). */
  dispose(): void;
}

/**
 * Hv = ∇(∇L·v) by double backprop: exact up to float32 rounding, ReLU kinks included (their
 * second derivative is zero almost everywhere). Needs every kernel on the objective's path, and
 * every kernel of its gradient, to have a registered gradient (engine/gradients.ts).
 */
export function exactHvp(objective: Objective): HessianVectorProduct {
  const { params } = objective;
  const product = (v: ParamVector): ParamVector => {
    assertMatches(v, params);
    if (objective.terms < 1) throw new Error('Error in exactHvp: the objective has no terms');
    let sum = termHvp(objective, 0, v);
    for (let i = 1; i < objective.terms; i++) {
      const part = termHvp(objective, i, v);
      const previous = sum;
      sum = tf.tidy(() => previous.map((s, j) => tf.add(s, part[j])));
      tf.dispose([...previous, ...part]);
    }
    return sum;
  };
  return Object.assign(product, { method: 'exact' as const, dispose: () => {} });
}

/** ∇(∇Lᵢ·v) for term i; a parameter whose gradient does not depend on the parameters gets zeros. */
function termHvp(objective: Objective, i: number, v: ParamVector): ParamVector {
  const { params } = objective;
  const variables = [...params];
  const { value, grads } = tf.variableGrads(() => {
    const inner = tf.variableGrads(() => objective.term(i), variables);
    inner.value.dispose();
    return tf.addN(params.map((p, j) => tf.sum(tf.mul(inner.grads[p.name], v[j])))) as tf.Scalar;
  }, variables);
  value.dispose();
  return params.map((p) => grads[p.name] ?? tf.zerosLike(p));
}

/**
 * Hv ≈ (∇L(w + h·v) − ∇L(w − h·v)) / 2h (method.md §5.1): the fallback where a kernel on the
 * objective's path cannot be differentiated twice. On ReLU networks it averages the curvature over
 * the kinks inside the step, so it reads higher than the exact product.
 *
 * The step is relative to the weights: h = relativeStep·‖w‖/‖v‖, so the move h·v has norm
 * relativeStep·‖w‖ whatever v's scale (1e-3 by default: 0.1 % of a typical weight per parameter
 * for a Rademacher v). Larger steps blur the curvature over a wider region; smaller ones lose the
 * difference in float32 rounding of the gradients. The parameters are moved in place and put back
 * bit for bit after every product.
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
    assertMatches(v, params);
    const vNorm = norm(v);
    if (vNorm === 0) return v.map((t) => tf.zerosLike(t));
    const h = (relativeStep * weightNorm) / vNorm;
    let plus: ParamVector = [];
    let minus: ParamVector = [];
    try {
      moveBy(h, v);
      plus = objectiveGradient(objective);
      moveBy(-h, v);
      minus = objectiveGradient(objective);
      return tf.tidy(() => plus.map((g, i) => tf.div(tf.sub(g, minus[i]), 2 * h)));
    } finally {
      restore();
      tf.dispose([...plus, ...minus]);
    }
  };
  return Object.assign(product, { method: 'central-difference' as const, dispose: () => tf.dispose(origin) });
}

/** What hessianVectorProduct made: the product, and why it is not exact where it fell back. */
export interface ChosenHvp {
  hvp: HessianVectorProduct;
  /** Set when exact products were asked for but a kernel cannot be differentiated twice here. */
  fallback?: string;
}

/** Errors that mean "this path cannot be differentiated twice on this backend", not a bug to surface. */
const NOT_TWICE_DIFFERENTIABLE = /gradient function not found|Cannot find registered kernel|Cannot backprop through input|not yet supported in gradients/;

/**
 * The product to use: exact where the objective can be differentiated twice on this backend
 * (checked once, on one term), else central differences, saying why.
 */
export function hessianVectorProduct(objective: Objective, requested: HvpMethod, relativeStep: number): ChosenHvp {
  if (requested === 'central-difference') return { hvp: centralDifferenceHvp(objective, relativeStep) };
  if (requested !== 'exact') throw new Error(`Error in hessianVectorProduct: method must be ${HVP_METHODS.join(' or ')}, got ${String(requested)}`);
  const zeros = objective.params.map((p) => tf.zerosLike(p));
  try {
    tf.dispose(termHvp(objective, 0, zeros));
    return { hvp: exactHvp(objective) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!NOT_TWICE_DIFFERENTIABLE.test(message)) throw error;
    discardTape();
    return { hvp: centralDifferenceHvp(objective, relativeStep), fallback: `${tf.getBackend()}: ${message}` };
  } finally {
    tf.dispose(zeros);
  }
}

/**
 * A backward that threw leaves its tape behind, with the tensors it saved and some it made. Every
 * tensor on the probe's tape was made by the probe (the parameters are only inputs): free them.
 */
function discardTape(): void {
  const { state } = tf.engine();
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) tf.dispose([...(node.saved ?? []), ...node.outputs]);
  state.activeTape = [];
}

function assertMatches(v: ParamVector, params: readonly tf.Variable[]): void {
  if (v.length !== params.length) throw new Error(`Error in hessianVectorProduct: v has ${v.length} parts, the objective ${params.length} parameters`);
  v.forEach((t, i) => {
    if (!tf.util.arraysEqual(t.shape, params[i].shape)) {
      throw new Error(`Error in hessianVectorProduct: part ${i} of v has shape [${t.shape}], its parameter [${params[i].shape}]`);
    }
  });
}
