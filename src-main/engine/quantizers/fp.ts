import type * as tf from '@tensorflow/tfjs-core';
import type { QuantizeContext, Quantizer, QuantizerOptions, QuantStats } from './quantizer';

/** Full precision (method.md §4): the identity, the reference every comparison is measured against. */
export class FpQuantizer implements Quantizer {
  readonly kind = 'fp' as const;
  /** fp ignores the requested bit-width; 32 says what the tensor actually is. */
  readonly bits = 32;
  readonly signed: boolean;
  readonly target: 'weight' | 'activation';
  readonly step = null;
  initialized = true;

  constructor(options: QuantizerOptions) {
    if (typeof options.name !== 'string' || options.name.length === 0) {
      throw new Error('Error in fp quantizer: name must be a non-empty string');
    }
    if (options.target !== 'weight' && options.target !== 'activation') {
      throw new Error(
        `Error in fp quantizer '${options.name}': target must be 'weight' or 'activation', ` +
          `got ${String(options.target)}`,
      );
    }
    this.signed = options.signed;
    this.target = options.target;
  }

  initFrom(_v: tf.Tensor): void {}

  /** Returns v itself (no copy), so fp adds no op and no tensor to the graph. */
  apply(v: tf.Tensor, _ctx: QuantizeContext): tf.Tensor {
    return v;
  }

  clampStep(): void {}

  readStats(): Promise<QuantStats | null> {
    return Promise.resolve(null);
  }

  dropStats(): void {}
}
