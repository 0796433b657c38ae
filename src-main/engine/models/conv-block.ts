import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../layers/batch-norm';
import type { ParamStore } from '../layers/params';
import { QConv2d, type LayerQuant } from '../layers/quantized';
import type { QuantizeContext } from '../quantizers/quantizer';
import type { GraphBuilder } from './graph';

/** Quantized conv → batch norm (→ activation), the unit every convolutional model is built from. */
export class ConvBn {
  private readonly conv: QConv2d;
  private readonly bn: BatchNorm;

  constructor(
    store: ParamStore,
    readonly name: string,
    inChannels: number,
    outChannels: number,
    kernel: number,
    stride: number,
    quant: LayerQuant,
    private readonly activation: (x: tf.Tensor) => tf.Tensor,
  ) {
    this.conv = new QConv2d(store, `${name}/conv`, { inChannels, outChannels, kernel, stride, quant });
    this.bn = new BatchNorm(store, `${name}/bn`, outChannels);
  }

  apply(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor4D {
    return this.bn.apply(this.conv.apply(x, ctx), ctx.training) as tf.Tensor4D;
  }

  /** Conv → BN → the model's activation (ReLU). */
  applyActivated(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor4D {
    return this.activation(this.apply(x, ctx)) as tf.Tensor4D;
  }

  /** Adds the conv and BN nodes after `input`; returns the BN node's name. */
  describe(graph: GraphBuilder, input: string): string {
    return graph.add(this.bn.describe(graph.add(this.conv.describe(input))));
  }

  describeActivated(graph: GraphBuilder, input: string): string {
    return graph.activation(this.name, this.describe(graph, input));
  }
}

export function globalAveragePool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}
