import * as tf from '@tensorflow/tfjs-core';
import { fakeQuant } from './fake-quant';
import { LsqQuantizer } from './lsq';
import { drawNoise } from './noise';
import type { NoiseDistribution, QuantizeContext, QuantizerOptions } from './quantizer';

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
      const seed = ctx.nextSeed();
      // Uniform ξ is drawn by seed (in place where the backend can); drawXi gives the same values.
      const xi = ctx.noise === 'uniform' ? { uniformSeed: seed } : drawXi(v.shape, ctx.noise, seed);
      return fakeQuant(v, this.step, this.levels, gradScale, { kind: 'tempered', lambda: ctx.lambda, xi });
    });
  }
}

/** ξ of method.md §3: U(-1, 1), or a gaussian with the same variance 1/3. */
export function drawXi(shape: number[], noise: NoiseDistribution, seed: number): tf.Tensor {
  return drawNoise(shape, noise, 1, seed);
}
