import * as tf from '@tensorflow/tfjs-core';

/**
 * Fused training-mode batch norm, for backends that register it (onednn): one kernel forward and
 * one backward where the composed ops in batch-norm.ts take about a dozen passes each. Same
 * formulas; sums may round differently.
 */
export const BATCH_NORM_TRAIN_KERNEL = 'TemperBatchNormTrain';
export const BATCH_NORM_GRAD_KERNEL = 'TemperBatchNormGrad';

export function hasFusedBatchNorm(): boolean {
  return tf.getKernel(BATCH_NORM_TRAIN_KERNEL, tf.getBackend()) !== undefined;
}

/** x [rows, channels] → [y, x̂, batch mean, batch variance, 1/√(variance + ε)]. */
export function fusedBatchNormTrain(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor[] {
  return tf.engine().runKernel(BATCH_NORM_TRAIN_KERNEL, { x, gamma, beta }, { epsilon }) as tf.Tensor[];
}

/** [dx, dγ, dβ] from dy and what the forward saved. */
export function fusedBatchNormGrad(dy: tf.Tensor, xhat: tf.Tensor, gamma: tf.Tensor, invStd: tf.Tensor): tf.Tensor[] {
  return tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, { dy, xhat, gamma, invStd }) as tf.Tensor[];
}
