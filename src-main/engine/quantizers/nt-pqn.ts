import * as tf from '@tensorflow/tfjs-core';
import { fakeQuant, scaleGrad } from './fake-quant';
import { LsqQuantizer } from './lsq';
import { drawNoise } from './noise';
import type { NoiseDistribution, QuantizeContext, QuantizerOptions } from './quantizer';

/**
 * The "nt-pqn" variant of method.md §3: pure pseudo-quantization noise early, annealed into LSQ.
 *   v̂ = v + λ·s·n + (1-λ)·stopGradient(s·q - v),   n ~ U(-1/2, 1/2)
 * is computed as the same value λ·(v + s·n) + (1-λ)·LSQ(v, s). The written form would give s only
 * the gradient λ·n, which vanishes as λ → 0; through LSQ's custom gradient s keeps learning, and
 * λ = 0 is LSQ exactly. The s in the noise term carries LSQ's gradient scale g too.
 * Gradients: ∂v̂/∂v = λ + (1-λ)·mask; ∂v̂/∂s = g·(λ·n + (1-λ)·LSQ's ∂/∂s). Eval is LSQ.
 */
export class NtPqnQuantizer extends LsqQuantizer {
  constructor(options: QuantizerOptions) {
    super(options, 'nt-pqn');
  }

  protected override trainingForward(
    v: tf.Tensor,
    gradScale: number,
    ctx: QuantizeContext,
  ): tf.Tensor {
    // λ > 1 would give LSQ a negative weight.
    this.assertContext(ctx, 1);
    const lambda = ctx.lambda;
    if (lambda === 0) return fakeQuant(v, this.step, this.levels, gradScale);
    return tf.tidy(() => {
      const n = drawN(v.shape, ctx.noise, ctx.nextSeed());
      const noisy = tf.add(v, tf.mul(scaleGrad(this.step, gradScale), n));
      const hard = fakeQuant(v, this.step, this.levels, gradScale);
      return tf.add(tf.mul(noisy, lambda), tf.mul(hard, 1 - lambda));
    });
  }
}

/** n ~ U(-1/2, 1/2), or a gaussian with the same variance 1/12. */
export function drawN(shape: number[], noise: NoiseDistribution, seed: number): tf.Tensor {
  return drawNoise(shape, noise, 0.5, seed);
}
