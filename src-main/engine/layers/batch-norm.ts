import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './params';

const MOMENTUM = 0.9;
const EPSILON = 1e-5;

/**
 * Batch normalization over all axes but the last. Training uses batch statistics and
 * updates the running ones; the deployment forward uses the running statistics.
 */
export class BatchNorm {
  private readonly gamma: tf.Variable;
  private readonly beta: tf.Variable;
  private readonly runningMean: tf.Variable;
  private readonly runningVar: tf.Variable;

  constructor(store: ParamStore, name: string, channels: number) {
    this.gamma = store.add(`${name}/gamma`, tf.ones([channels]), 'bn');
    this.beta = store.add(`${name}/beta`, tf.zeros([channels]), 'bn');
    this.runningMean = store.addBuffer(`${name}/running_mean`, tf.zeros([channels]));
    this.runningVar = store.addBuffer(`${name}/running_var`, tf.ones([channels]));
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    if (!training) return tf.batchNorm(x, this.runningMean, this.runningVar, this.beta, this.gamma, EPSILON);
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    // Assignments are not recorded on the gradient tape, so the running update needs no stop-gradient.
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, MOMENTUM), tf.mul(mean, 1 - MOMENTUM)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, MOMENTUM), tf.mul(variance, 1 - MOMENTUM)));
    return tf.batchNorm(x, mean, variance, this.beta, this.gamma, EPSILON);
  }
}
