import * as tf from '@tensorflow/tfjs-core';
import type { QuantLevels } from './fake-quant';

/**
 * The MSE step-size init of docs/method.md §2.2: the step s that minimizes mean((s·q(v/s) − v)²),
 * q the hard quantizer (round half to even of clip(v/s, −Qn, Qp)), searched on a grid relative to
 * s_max = the smallest step that clips nothing. All on the device, no readback, so every backend
 * (WebGPU included) runs the same search.
 */

/** Coarse grid: s_max·2^(k/4 − 8), k = 0…32, from s_max/256 up to s_max (ratio 2^¼ ≈ 1.19). */
export const MSE_COARSE_GRID = Array.from({ length: 33 }, (_, k) => 2 ** (k / 4 - 8));
/** Fine grid around the coarse minimum: ×2^(j/32 − 1/4), j = 0…16 (ratio 2^(1/32) ≈ 1.022). */
export const MSE_FINE_GRID = Array.from({ length: 17 }, (_, j) => 2 ** (j / 32 - 0.25));

/** mean((s·round(clip(v/s, −Qn, Qp)) − v)²) for a step s given as a scalar tensor. */
export function quantizationMse(v: tf.Tensor, s: tf.Tensor, { qn, qp }: QuantLevels): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(tf.mul(tf.round(tf.clipByValue(tf.div(v, s), -qn, qp)), s), v))));
}

/** Of candidate steps [K], the one with the least MSE on v (the smallest on a tie). */
function leastMse(v: tf.Tensor, candidates: tf.Tensor1D, levels: QuantLevels): tf.Scalar {
  return tf.tidy(() => {
    const errors = tf.unstack(candidates).map((s) => quantizationMse(v, s, levels));
    return tf.reshape(tf.gather(candidates, tf.argMin(tf.stack(errors))), []) as tf.Scalar;
  });
}

/**
 * The MSE-optimal step for v (floored at `floor`), or NaN where v holds a non-finite value. Runs as
 * the forward of a custom op, which the gradient tape does not record: the search's ~50 passes over
 * a first-batch activation would otherwise be kept alive for a backward pass that never uses them.
 */
export function mseStep(v: tf.Tensor, levels: QuantLevels, floor: number): tf.Scalar {
  const search = tf.customGrad((...args) => {
    const [x] = args as [tf.Tensor];
    return { value: searchStep(x, levels, floor), gradFunc: (_dy: tf.Tensor) => tf.zerosLike(x) };
  });
  return search(v) as tf.Scalar;
}

function searchStep(v: tf.Tensor, levels: QuantLevels, floor: number): tf.Scalar {
  return tf.tidy(() => {
    const { qn, qp } = levels;
    // The step that maps the largest value to Qp (and, when signed, the smallest to −Qn).
    const above = tf.div(tf.relu(tf.max(v)), qp);
    const sMax = qn > 0 ? tf.maximum(above, tf.div(tf.relu(tf.neg(tf.min(v))), qn)) : above;
    // All zeros (a dead layer): any step is exact; the floor keeps s positive.
    const base = tf.maximum(sMax, floor);
    const coarse = leastMse(v, tf.mul(base, tf.tensor1d(MSE_COARSE_GRID)) as tf.Tensor1D, levels);
    const fine = leastMse(v, tf.mul(coarse, tf.tensor1d(MSE_FINE_GRID)) as tf.Tensor1D, levels);
    const step = tf.maximum(fine, floor);
    return tf.where(tf.all(tf.isFinite(v)), step, tf.scalar(NaN)) as tf.Scalar;
  });
}
