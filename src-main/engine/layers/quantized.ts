import * as tf from '@tensorflow/tfjs-core';
import { createQuantizer } from '../quantizers';
import type { ExportNode } from '../models/graph';
import type { StepInit } from '../../../shared/config';
import type { Quantizer, QuantizeContext, QuantizerKind } from '../quantizers/quantizer';
import type { ParamStore } from './params';

/** How one layer quantizes its input activation and its weights. */
export interface LayerQuant {
  kind: QuantizerKind;
  bits: number;
  /** The raw (normalized) image is signed; inputs after ReLU are not. */
  inputSigned: boolean;
  /** Step-size init of both quantizers (docs/method.md §2.2); default 'lsq'. */
  init?: StepInit;
}

function quantizersFor(store: ParamStore, name: string, quant: LayerQuant, weight: tf.Variable) {
  const { kind, bits, init } = quant;
  const input = createQuantizer({ kind, bits, init, signed: quant.inputSigned, target: 'activation', name: `${name}/input_step` });
  const weightQ = createQuantizer({ kind, bits, init, signed: true, target: 'weight', name: `${name}/weight_step` });
  weightQ.initFrom(weight);
  store.addQuantizers({ layer: name, input, weight: weightQ, weightVariable: weight });
  return { input, weight: weightQ };
}

/** He-normal initialization for layers followed by ReLU. */
function heNormal(store: ParamStore, shape: number[], fanIn: number): tf.Tensor {
  return tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', store.seed());
}

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  quant: LayerQuant;
}

/** Conv2D without bias (a BatchNorm follows) whose input and weights pass through quantizers. */
export class QConv2d {
  readonly weight: tf.Variable;
  readonly inputQuantizer: Quantizer;
  readonly weightQuantizer: Quantizer;
  private readonly stride: number;

  constructor(store: ParamStore, readonly name: string, options: Conv2dOptions) {
    const { inChannels, outChannels, kernel, stride } = options;
    const fanIn = kernel * kernel * inChannels;
    this.weight = store.add(`${name}/kernel`, heNormal(store, [kernel, kernel, inChannels, outChannels], fanIn), 'weight');
    this.stride = stride;
    const q = quantizersFor(store, name, options.quant, this.weight);
    this.inputQuantizer = q.input;
    this.weightQuantizer = q.weight;
  }

  apply(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor4D {
    const xq = this.inputQuantizer.apply(x, ctx) as tf.Tensor4D;
    const wq = this.weightQuantizer.apply(this.weight, ctx) as tf.Tensor4D;
    return tf.conv2d(xq, wq, this.stride, 'same');
  }

  /** This layer as an export graph node fed by `input`. */
  describe(input: string): ExportNode {
    const [kh, kw, inChannels, outChannels] = this.weight.shape;
    return { name: this.name, kind: 'conv2d', inputs: [input], attrs: { kernel: [kh, kw], strides: [this.stride, this.stride], padding: 'same', inChannels, outChannels } };
  }
}

/** Fully connected layer with bias; input and weights pass through quantizers. */
export class QDense {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly inputQuantizer: Quantizer;
  readonly weightQuantizer: Quantizer;

  constructor(store: ParamStore, readonly name: string, inUnits: number, outUnits: number, quant: LayerQuant) {
    this.weight = store.add(`${name}/kernel`, heNormal(store, [inUnits, outUnits], inUnits), 'weight');
    this.bias = store.add(`${name}/bias`, tf.zeros([outUnits]), 'bias');
    const q = quantizersFor(store, name, quant, this.weight);
    this.inputQuantizer = q.input;
    this.weightQuantizer = q.weight;
  }

  apply(x: tf.Tensor2D, ctx: QuantizeContext): tf.Tensor2D {
    const xq = this.inputQuantizer.apply(x, ctx) as tf.Tensor2D;
    const wq = this.weightQuantizer.apply(this.weight, ctx) as tf.Tensor2D;
    return tf.add(tf.matMul(xq, wq), this.bias);
  }

  /** This layer as an export graph node fed by `input`. */
  describe(input: string): ExportNode {
    const [inUnits, outUnits] = this.weight.shape;
    return { name: this.name, kind: 'dense', inputs: [input], attrs: { inUnits, outUnits } };
  }
}
