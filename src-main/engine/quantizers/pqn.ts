import * as tf from '@tensorflow/tfjs-core';
import { fakeQuant } from './fake-quant';
import { LsqQuantizer } from './lsq';
import type { QuantizeContext, QuantizerOptions } from './quantizer';

/**
 * Pseudo-quantization noise baseline (method.md §4, DiffQ / NIPQ style): training forward
 * s·(ū + n), n ~ U(-1/2, 1/2) on every element, no decay; eval is hard LSQ.
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
    if (typeof ctx.nextSeed !== 'function') {
      throw this.error('ctx.nextSeed must be a function returning an integer seed');
    }
    return tf.tidy(() => {
      return fakeQuant(v, this.step, this.levels, gradScale, { kind: 'pseudo', n: { uniformSeed: ctx.nextSeed() } });
    });
  }
}
