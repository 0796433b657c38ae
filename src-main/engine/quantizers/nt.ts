import * as tf from '@tensorflow/tfjs-core';
import { fakeQuant } from './fake-quant';
import { LsqQuantizer } from './lsq';
import type { NoiseDistribution, QuantizeContext, QuantizerOptions } from './quantizer';

/** U(-1, 1) has variance 1/3; the gaussian option matches it with σ = 1/√3 (method.md §3). */
const GAUSSIAN_XI_STDDEV = 1 / Math.sqrt(3);

/**
 * Noise tempering (method.md §3): training forward v̂ = s·(q_ste + λ_t·|e|·ξ), ξ fresh every
 * forward pass; eval forward is LSQ. At λ = 0 the noise is skipped, so training is LSQ bit for bit.
 */
export class NtQuantizer extends LsqQuantizer {
  constructor(options: QuantizerOptions) {
    super(options, 'nt');
  }

  protected override trainingForward(
    v: tf.Tensor,
    gradScale: number,
    ctx: QuantizeContext,
  ): tf.Tensor {
    this.assertContext(ctx, Infinity);
    if (ctx.lambda === 0) return fakeQuant(v, this.step, this.levels, gradScale);
    return tf.tidy(() => {
      const xi = drawXi(v.shape, ctx.noise, ctx.nextSeed());
      return fakeQuant(v, this.step, this.levels, gradScale, {
        kind: 'tempered',
        lambda: ctx.lambda,
        xi,
      });
    });
  }
}

/** ξ of method.md §3: U(-1, 1), or N(0, 1/√3) with the same variance. */
export function drawXi(shape: number[], noise: NoiseDistribution, seed: number): tf.Tensor {
  return noise === 'gaussian'
    ? tf.randomNormal(shape, 0, GAUSSIAN_XI_STDDEV, 'float32', seed)
    : tf.randomUniform(shape, -1, 1, 'float32', seed);
}
