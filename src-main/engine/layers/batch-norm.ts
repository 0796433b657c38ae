import * as tf from '@tensorflow/tfjs-core';
import type { ExportNode } from '../models/graph';
import { fusedBatchNormGrad, fusedBatchNormTrain, hasFusedBatchNorm } from './batch-norm-kernels';
import type { ParamStore } from './params';

/** PyTorch's convention: running = (1 − m)·running + m·batch (docs/method.md §6). */
export const BN_MOMENTUM = 0.1;
/** Added to the variance before the square root; exported with the running statistics. */
export const BN_EPSILON = 1e-5;

/** Per-channel sums of a [rows, channels] matrix as a [1, channels] row: ones · x. */
function channelSums(x: tf.Tensor2D): tf.Tensor2D {
  // A matmul with a ones row is an order of magnitude faster than tf.sum over axis 0 on wasm.
  return tf.matMul(tf.ones([1, x.shape[0]]), x);
}

/**
 * Batch normalization over all axes but the last. Training uses batch statistics and
 * updates the running ones; the deployment forward uses the running statistics.
 */
export class BatchNorm {
  private readonly gamma: tf.Variable;
  private readonly beta: tf.Variable;
  private readonly runningMean: tf.Variable;
  private readonly runningVar: tf.Variable;
  private readonly trainingForward: (x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

  constructor(store: ParamStore, readonly name: string, channels: number) {
    this.gamma = store.add(`${name}/gamma`, tf.ones([channels]), 'bn');
    this.beta = store.add(`${name}/beta`, tf.zeros([channels]), 'bn');
    this.runningMean = store.addBuffer(`${name}/running_mean`, tf.zeros([channels]));
    this.runningVar = store.addBuffer(`${name}/running_var`, tf.ones([channels]));
    this.trainingForward = tf.customGrad((...args) => {
      const [x, gamma, beta, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
      return hasFusedBatchNorm() ? this.normalizeBatchFused(x, gamma, beta, save) : this.normalizeBatch(x, gamma, beta, save);
    }) as (x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
  }

  /**
   * Training-mode forward of x [rows, channels] with its gradient written out:
   * dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy.
   * Also moves the running statistics (a customGrad op has one output, so the update happens here).
   */
  private normalizeBatch(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) {
    const rows = x.shape[0];
    const mean = tf.div(channelSums(x), rows);
    const centered = tf.sub(x, mean);
    const variance = tf.div(channelSums(tf.square(centered) as tf.Tensor2D), rows);
    const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON));
    const normalized = tf.mul(centered, invStd);
    this.updateRunningStatistics(mean, variance);
    save([normalized, invStd, gamma]);
    return {
      value: tf.add(tf.mul(normalized, gamma), beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xhat, inv, g] = saved;
        const dBeta = channelSums(dy as tf.Tensor2D);
        const dGamma = channelSums(tf.mul(dy, xhat) as tf.Tensor2D);
        const centeredDy = tf.sub(dy, tf.div(dBeta, rows));
        const dx = tf.mul(tf.mul(g, inv), tf.sub(centeredDy, tf.mul(xhat, tf.div(dGamma, rows))));
        return [dx, tf.reshape(dGamma, g.shape), tf.reshape(dBeta, g.shape)];
      },
    };
  }

  /** normalizeBatch in two fused kernels, where the backend has them. */
  private normalizeBatchFused(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) {
    const [value, normalized, mean, variance, invStd] = fusedBatchNormTrain(x, gamma, beta, BN_EPSILON);
    this.updateRunningStatistics(mean, variance);
    save([normalized, invStd, gamma]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => fusedBatchNormGrad(dy, saved[0], saved[2], saved[1]),
    };
  }

  private updateRunningStatistics(mean: tf.Tensor, variance: tf.Tensor): void {
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - BN_MOMENTUM), tf.mul(tf.reshape(mean, [-1]), BN_MOMENTUM)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - BN_MOMENTUM), tf.mul(tf.reshape(variance, [-1]), BN_MOMENTUM)));
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    if (!training) return tf.batchNorm(x, this.runningMean, this.runningVar, this.beta, this.gamma, BN_EPSILON);
    const channels = x.shape[x.shape.length - 1];
    return tf.reshape(this.trainingForward(tf.reshape(x, [-1, channels]), this.gamma, this.beta), x.shape);
  }

  /** This layer as an export graph node fed by `input` (inference form, running statistics). */
  describe(input: string): ExportNode {
    return { name: this.name, kind: 'batchnorm', inputs: [input], attrs: { channels: this.gamma.shape[0] } };
  }
}
