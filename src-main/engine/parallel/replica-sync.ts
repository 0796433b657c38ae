import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../layers/params';
import type { Collective } from './collective';

/** Float32 elements of every variable a model holds: the capacity its collectives need. */
export function modelSize(store: ParamStore): number {
  return store.allVariables().reduce((n, { variable }) => n + variable.size, 0);
}

/** A tensor of `values`; only the wasm backend copies on creation, so others get their own copy. */
function tensorOf(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? values : values.slice(), shape, 'float32');
}

/**
 * Keeps one replica's model in step with the others through a Collective: averages gradients
 * before each update, copies rank 0's variables over, averages batch-norm running statistics.
 * Variables always travel in the store's fixed order, flattened into one reused buffer.
 */
export class ReplicaSync {
  /**
   * This rank's share of the batch relative to an equal one, rows·W/B: scaling by it makes the
   * mean over ranks the mean over the whole batch when B does not divide evenly.
   */
  gradientWeight = 1;
  private readonly flat: Float32Array;

  constructor(
    private readonly collective: Collective,
    private readonly store: ParamStore,
  ) {
    this.flat = new Float32Array(modelSize(store));
  }

  /** For TrainingSession.gradientHook: every rank's gradients averaged; tensors made inside its tidy. */
  readonly averageGradients = (grads: tf.NamedTensorMap): tf.NamedTensorMap => {
    const params = this.store.trainable;
    const weight = this.gradientWeight;
    let offset = 0;
    for (const { variable } of params) {
      const part = this.flat.subarray(offset, offset + variable.size);
      const grad = grads[variable.name];
      // Every replica runs the same graph, so a missing gradient is missing on all of them.
      if (!grad) part.fill(0);
      else if (weight === 1) part.set(grad.dataSync());
      else {
        const values = grad.dataSync();
        for (let i = 0; i < part.length; i++) part[i] = values[i] * weight;
      }
      offset += variable.size;
    }
    const mean = this.collective.allReduceMean(this.flat.subarray(0, offset));
    const averaged: tf.NamedTensorMap = {};
    offset = 0;
    for (const { variable } of params) {
      if (grads[variable.name]) averaged[variable.name] = tensorOf(mean.subarray(offset, offset + variable.size), variable.shape);
      offset += variable.size;
    }
    return averaged;
  };

  /**
   * Every variable (weights, quantizer steps, batch-norm statistics) set to rank 0's values: after
   * init or restore, and after the first step, whose activation step sizes each replica initialized
   * from its own rows.
   */
  broadcastModel(): void {
    const variables = this.store.allVariables().map(({ variable }) => variable);
    if (this.collective.rank === 0) {
      this.collective.broadcast(this.flatten(variables));
      return;
    }
    this.assign(variables, this.collective.broadcast(this.flat.subarray(0, modelSize(this.store))));
  }

  /** Batch-norm running statistics, gathered on each replica's rows, averaged over replicas. */
  averageBuffers(): void {
    const variables = this.store.buffers.map(({ variable }) => variable);
    this.assign(variables, this.collective.allReduceMean(this.flatten(variables)));
  }

  private flatten(variables: tf.Variable[]): Float32Array {
    let offset = 0;
    for (const variable of variables) {
      this.flat.set(variable.dataSync() as Float32Array, offset);
      offset += variable.size;
    }
    return this.flat.subarray(0, offset);
  }

  private assign(variables: tf.Variable[], values: Float32Array): void {
    let offset = 0;
    tf.tidy(() => {
      for (const variable of variables) {
        variable.assign(tensorOf(values.subarray(offset, offset + variable.size), variable.shape));
        offset += variable.size;
      }
    });
  }
}

/** FNV-1a over the float32 bits of the variables, in order: equal hashes mean bit-identical replicas. */
export function hashVariables(variables: tf.Variable[]): string {
  let hash = 0x811c9dc5;
  for (const variable of variables) {
    const words = new Uint32Array(Float32Array.from(variable.dataSync() as Float32Array).buffer);
    for (let i = 0; i < words.length; i++) hash = Math.imul(hash ^ words[i], 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
