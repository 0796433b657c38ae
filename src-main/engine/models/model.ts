import * as tf from '@tensorflow/tfjs-core';
import type { ModelName, QuantConfig, StepInit } from '../../../shared/config';
import type { ParamStore } from '../layers/params';
import type { LayerQuant } from '../layers/quantized';
import type { QuantizeContext } from '../quantizers/quantizer';
import { GraphBuilder, type ExportNode } from './graph';

/** Height, width, channels of one input image. */
export type InputShape = [number, number, number];

export interface ModelSpec {
  name: ModelName;
  inputShape: InputShape;
  numClasses: number;
  quant: QuantConfig;
  /** ReLU everywhere; softplus only for gradient checks, where ReLU masks flip on tiny differences. */
  activation?: 'relu' | 'softplus';
}

export interface Model {
  readonly spec: ModelSpec;
  readonly store: ParamStore;
  /** Logits [batch, classes]. ctx.training selects batch statistics and quantizer noise. */
  apply(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor2D;
  /** The architecture as export graph nodes in forward order (docs/export-format.md). */
  graph(): ExportNode[];
}

/** Hands each layer its quantizer (the first and last get `firstLastBits`, or stay fp) and its activation. */
export class LayerPlan {
  private readonly quant: QuantConfig;
  readonly activation: (x: tf.Tensor) => tf.Tensor;

  constructor(private readonly spec: ModelSpec) {
    this.quant = spec.quant;
    this.activation = spec.activation === 'softplus' ? tf.softplus : tf.relu;
  }

  /** A graph builder that starts with the model's input node. */
  graph(): { graph: GraphBuilder; input: string } {
    const graph = new GraphBuilder(this.spec.activation ?? 'relu');
    return { graph, input: graph.input([...this.spec.inputShape]) };
  }

  /** Configs stored before quant.init existed trained with LSQ's init. */
  private get init(): StepInit {
    return this.quant.init ?? 'lsq';
  }

  private edge(inputSigned: boolean): LayerQuant {
    const { quantizer, firstLastBits } = this.quant;
    if (quantizer === 'fp' || firstLastBits === null) return { kind: 'fp', bits: 8, inputSigned };
    return { kind: quantizer, bits: firstLastBits, inputSigned, init: this.init };
  }

  /** The first layer sees the normalized image, which is signed. */
  first(): LayerQuant {
    return this.edge(true);
  }

  /** The classifier sees pooled post-ReLU features. */
  last(): LayerQuant {
    return this.edge(false);
  }

  /** Every other layer sees post-ReLU activations. */
  inner(): LayerQuant {
    return { kind: this.quant.quantizer, bits: this.quant.bits, inputSigned: false, init: this.init };
  }
}
