import * as tf from '@tensorflow/tfjs-core';
import { fakeQuant } from './fake-quant';
import { LsqQuantizer } from './lsq';
import { drawNoise } from './noise';
import type { QuantizeContext, QuantizerOptions } from './quantizer';

/**
 * Pseudo-quantization noise baseline (method.md §4, DiffQ / NIPQ style): training forward
 * s·(ū + n), n ~ U(-1/2, 1/2) (or, with quant.noise 'gaussian', N(0, 1/12): the same variance) on every
 * element, no decay; eval is hard LSQ.
 * Gradients (see fakeQuant): v gets the clip mask; s gets g·n inside and g·(-Qn + n) / g·(Qp + n)
 * outside, since s·ū = v has no s-dependence inside the clip range.
 */
export class PqnQuantizer extends LsqQuantizer {
  constructor(options: QuantizerOptions) {
    super(options, 'pqn');
  }

  protected override trainingForward(
    v: tf.Tensor,
    gradScale: number,
    ctx: QuantizeContext,
  ): tf.Tensor {
    // pqn ignores λ, so any λ passes the check.
    this.assertContext({ ...ctx, lambda: 0 }, 0);
    return tf.tidy(() => {
      const seed = ctx.nextSeed();
      // Uniform n is drawn by seed (in place where the backend can); drawNoise gives the same values.
      const n = ctx.noise === 'uniform' ? { uniformSeed: seed } : drawNoise(v.shape, ctx.noise, 0.5, seed);
      return fakeQuant(v, this.step, this.levels, gradScale, { kind: 'pseudo', n });
    });
  }
}
