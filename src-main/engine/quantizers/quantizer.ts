import type * as tf from '@tensorflow/tfjs-core';
import type { QuantStats } from '../../../shared/metrics';

export type { QuantStats } from '../../../shared/metrics';

import type { QuantizerKind, StepInit } from '../../../shared/config';

/** The quantizers of docs/method.md §2–4 (`fp` is the identity); the list lives with the config schema. */
export { QUANTIZER_KINDS, type QuantizerKind } from '../../../shared/config';

export type NoiseDistribution = 'uniform' | 'gaussian';

/** What one forward pass tells every quantizer in the model. */
export interface QuantizeContext {
  /** Training forward (noise on) or the deployment forward (hard quantizer, docs/method.md §2). */
  training: boolean;
  /** The global temper λ_t for this step (docs/method.md §3); ignored by lsq, pqn and fp. */
  lambda: number;
  noise: NoiseDistribution;
  /** Returns a fresh integer seed for one noise draw, so a run's noise is reproducible. */
  nextSeed: () => number;
  /** When set, quantizers record QuantStats of the tensors they see, for readStats() after the step. */
  collectStats?: boolean;
}

export interface QuantizerOptions {
  kind: QuantizerKind;
  bits: number;
  /** Signed (weights, the raw input image) or unsigned (post-ReLU activations). */
  signed: boolean;
  /** Weights use N = tensor size in the gradient scale; activations use elements per sample. */
  target: 'weight' | 'activation';
  /** Variable name of the step size, used by checkpoints. */
  name: string;
  /** How initFrom sets the step size (docs/docs/method.md §2.2); default 'lsq'. */
  init?: StepInit;
}


export interface Quantizer {
  readonly kind: QuantizerKind;
  readonly bits: number;
  readonly signed: boolean;
  readonly target: 'weight' | 'activation';
  /** Learnable step size s (a scalar variable), or null for fp. */
  readonly step: tf.Variable | null;
  /** False until the step size has been initialized from data (LSQ init, docs/method.md §2). */
  initialized: boolean;
  /** s0 = 2·mean(|v|)/sqrt(Qp) (init 'lsq') or the least-MSE step (init 'mse'); for activations called with the first training batch. */
  initFrom(v: tf.Tensor): void;
  /** Fake-quantized v: noisy in training, hard LSQ when ctx.training is false. */
  apply(v: tf.Tensor, ctx: QuantizeContext): tf.Tensor;
  /** Keeps s ≥ eps after an optimizer update (docs/method.md §2: negative learned steps are a known LSQ bug). */
  clampStep(eps: number): void;
  /**
   * Stats recorded by the last apply() with ctx.collectStats (null if none), read after the step:
   * recording keeps a small tensor on the device, and reading it releases it.
   */
  readStats(): Promise<QuantStats | null>;
  /** Releases stats recorded and not read (when the model is disposed). */
  dropStats(): void;
}
