import * as tf from '@tensorflow/tfjs-core';
import '../../../src-main/engine/gradients';
import type { Objective } from '../../../src-main/engine/sharpness/objective';
import { Rng } from '../../../shared/rng';

/** A symmetric n×n matrix Q·diag(eigenvalues)·Qᵀ with a random orthogonal Q (Gram–Schmidt, seeded). */
export function symmetricWithEigenvalues(eigenvalues: number[], seed: number): number[][] {
  const n = eigenvalues.length;
  const rng = new Rng(seed);
  const q: number[][] = [];
  for (let k = 0; k < n; k++) {
    let v = Array.from({ length: n }, () => rng.next() - 0.5);
    for (const u of q) {
      const d = u.reduce((s, ui, i) => s + ui * v[i], 0);
      v = v.map((vi, i) => vi - d * u[i]);
    }
    const len = Math.hypot(...v);
    q.push(v.map((vi) => vi / len));
  }
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => q.reduce((s, u, k) => s + eigenvalues[k] * u[i] * u[j], 0)));
}

/**
 * L(w) = ½·wᵀAw + bᵀw over parameters of the given shapes (flattened and concatenated into w), so
 * the Hessian is exactly A. Gradients come from tfjs autodiff, as the model objective's do.
 */
export function quadraticObjective(a: number[][], shapes: number[][], seed = 1): Objective & { dispose(): void } {
  const n = a.length;
  const sizes = shapes.map((s) => s.reduce((x, y) => x * y, 1));
  if (sizes.reduce((x, y) => x + y, 0) !== n) throw new Error('quadraticObjective: shapes must hold exactly n values');
  const matrix = tf.tensor2d(a);
  const b = tf.randomNormal([n, 1], 0, 1, 'float32', seed);
  const params = shapes.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed + 1 + i)));
  const term = () => {
    const w = tf.reshape(tf.concat(params.map((p) => tf.reshape(p, [-1]))), [n, 1]);
    return tf.add(tf.mul(0.5, tf.sum(tf.mul(w, tf.matMul(matrix, w)))), tf.sum(tf.mul(b, w))) as tf.Scalar;
  };
  return { params, terms: 1, term, dispose: () => tf.dispose([matrix, b, ...params]) };
}

/** A·v for a flat v, in float64. */
export function multiply(a: number[][], v: ArrayLike<number>): number[] {
  return a.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
}

/** The values of a list of tensors, one flat array. */
export function flat(parts: readonly tf.Tensor[]): number[] {
  return parts.flatMap((t) => Array.from(t.dataSync()));
}

/** ‖a − b‖ / ‖b‖. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    scale += b[i] ** 2;
  }
  return Math.sqrt(diff / scale);
}
