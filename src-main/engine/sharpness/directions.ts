import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../models';

/** Tiny floor on a random filter's norm, so an (improbable) all-zero draw gives a zero filter, not NaN. */
const NORM_FLOOR = 1e-12;

/**
 * A direction over a model's weight tensors (conv and dense kernels, role 'weight'), one tensor each,
 * in store order. Biases and BN parameters have direction zero and are left out (Li et al. 2018).
 */
export interface WeightDirection {
  readonly variables: readonly tf.Variable[];
  readonly tensors: readonly tf.Tensor[];
}

export function weightVariables(model: Model): tf.Variable[] {
  return model.store.trainable.filter((p) => p.role === 'weight').map((p) => p.variable);
}

/**
 * A filter-normalized random direction (Li et al. 2018, "Visualizing the Loss Landscape"): Gaussian
 * d, then each filter (output channel, the last axis of our HWIO conv and [in, out] dense kernels)
 * rescaled to the norm of the same filter of w: d_f ← d_f·‖w_f‖/‖d_f‖. The caller disposes it.
 */
export function filterNormalizedDirection(model: Model, seed: number): WeightDirection {
  const variables = weightVariables(model);
  const tensors = tf.tidy(() =>
    variables.map((w, i) => {
      const d = tf.randomNormal(w.shape, 0, 1, 'float32', seed + i);
      const axes = w.shape.map((_, a) => a).slice(0, -1);
      const filterNorm = (t: tf.Tensor) => tf.sqrt(tf.sum(tf.square(t), axes));
      return tf.mul(d, tf.div(filterNorm(w), tf.maximum(filterNorm(d), NORM_FLOOR)));
    }),
  );
  return { variables, tensors };
}

export function disposeDirection(direction: WeightDirection): void {
  tf.dispose([...direction.tensors]);
}

/**
 * Moves a model's weights to w + Σ cᵢ·dᵢ and back. The starting values are saved on creation;
 * restore() puts them back bit for bit (the variables then hold the very same data).
 */
export class WeightMover {
  private readonly origin: tf.Tensor[];

  constructor(private readonly variables: readonly tf.Variable[]) {
    this.origin = variables.map((v) => tf.clone(v));
  }

  moveTo(steps: { coefficient: number; direction: WeightDirection }[]): void {
    for (const { direction } of steps) {
      if (direction.variables.length !== this.variables.length || direction.variables.some((v, i) => v !== this.variables[i])) {
        throw new Error('WeightMover.moveTo: the direction was made for other variables');
      }
    }
    tf.tidy(() =>
      this.variables.forEach((v, i) => {
        const offsets = steps.filter((s) => s.coefficient !== 0).map((s) => tf.mul(s.direction.tensors[i], s.coefficient));
        v.assign(offsets.length === 0 ? this.origin[i] : tf.add(this.origin[i], tf.addN(offsets)));
      }),
    );
  }

  restore(): void {
    this.variables.forEach((v, i) => v.assign(this.origin[i]));
  }

  /** Restores the weights, then frees the saved values. */
  dispose(): void {
    this.restore();
    tf.dispose(this.origin);
  }
}
