import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../layers/params';
import { QDense } from '../layers/quantized';
import type { QuantizeContext } from '../quantizers/quantizer';
import { ConvBn, globalAveragePool } from './conv-block';
import type { GraphBuilder } from './graph';
import { LayerPlan, type Model, type ModelSpec } from './model';

/** A forward step and its export graph description (which returns the name of its last node). */
interface Stage {
  apply(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor4D;
  describe(graph: GraphBuilder, input: string): string;
}

type Shortcut = Stage;

/** Two 3x3 conv-bn layers with a residual connection (He et al. 2016). */
class BasicBlock {
  private readonly first: ConvBn;
  private readonly second: ConvBn;
  private readonly activation: (x: tf.Tensor) => tf.Tensor;

  constructor(
    store: ParamStore,
    private readonly name: string,
    inChannels: number,
    outChannels: number,
    stride: number,
    plan: LayerPlan,
    private readonly shortcut: Shortcut,
  ) {
    this.first = new ConvBn(store, `${name}/a`, inChannels, outChannels, 3, stride, plan.inner(), plan.activation);
    this.second = new ConvBn(store, `${name}/b`, outChannels, outChannels, 3, 1, plan.inner(), plan.activation);
    this.activation = plan.activation;
  }

  apply(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor4D {
    const y = this.second.apply(this.first.applyActivated(x, ctx), ctx);
    return this.activation(tf.add(y, this.shortcut.apply(x, ctx))) as tf.Tensor4D;
  }

  describe(graph: GraphBuilder, input: string): string {
    const y = this.second.describe(graph, this.first.describeActivated(graph, input));
    const sum = graph.add({ name: `${this.name}/add`, kind: 'add', inputs: [y, this.shortcut.describe(graph, input)], attrs: {} });
    return graph.activation(this.name, sum);
  }
}

const identity: Shortcut = { apply: (x) => x, describe: (_graph, input) => input };

/**
 * CIFAR shortcut "option A": every second pixel, channels zero-padded; nothing to learn or quantize.
 * Written as a stride-2 1x1 conv with a fixed 0/1 kernel: one fast op where slicing is slow on wasm.
 */
function paddedShortcut(store: ParamStore, name: string, inChannels: number, outChannels: number): Shortcut {
  const offset = Math.floor((outChannels - inChannels) / 2);
  const kernel = store.addConstant(
    tf.tidy(() => {
      const targets = tf.range(offset, offset + inChannels, 1, 'int32');
      return tf.reshape(tf.cast(tf.oneHot(targets, outChannels), 'float32'), [1, 1, inChannels, outChannels]);
    }),
  );
  return {
    apply: (x) => tf.conv2d(x, kernel as tf.Tensor4D, 2, 'same'),
    describe: (graph, input) =>
      graph.add({ name: `${name}/shortcut`, kind: 'pad-shortcut', inputs: [input], attrs: { strides: [2, 2], inChannels, outChannels, offset } }),
  };
}

/** Projection shortcut (1x1 conv + BN) used by the ImageNet-style ResNet-18. */
function projectionShortcut(store: ParamStore, name: string, inChannels: number, outChannels: number, stride: number, plan: LayerPlan): Shortcut {
  const projection = new ConvBn(store, `${name}/shortcut`, inChannels, outChannels, 1, stride, plan.inner(), plan.activation);
  return { apply: (x, ctx) => projection.apply(x, ctx), describe: (graph, input) => projection.describe(graph, input) };
}

function assemble(spec: ModelSpec, store: ParamStore, plan: LayerPlan, stem: Stage, blocks: BasicBlock[], classifier: QDense): Model {
  function apply(x: tf.Tensor4D, ctx: QuantizeContext): tf.Tensor2D {
    let y = stem.apply(x, ctx);
    for (const block of blocks) y = block.apply(y, ctx);
    return classifier.apply(globalAveragePool(y), ctx);
  }
  function graph() {
    const { graph, input } = plan.graph();
    let y = stem.describe(graph, input);
    for (const block of blocks) y = block.describe(graph, y);
    graph.add(classifier.describe(graph.globalAveragePool('pool', y)));
    return graph.nodes;
  }
  return { spec, store, apply, graph };
}

/** Channels of the three stages of the CIFAR ResNets and the four of ResNet-18 (docs/method.md §4.2). */
export const CIFAR_RESNET_WIDTHS = [16, 32, 64] as const;
export const RESNET18_WIDTHS = [64, 128, 256, 512] as const;

/** CIFAR ResNet-(6n+2): CIFAR_RESNET_WIDTHS channels, n blocks per stage, option-A shortcuts. */
export function buildCifarResnet(spec: ModelSpec, depth: 20 | 32 | 56, nextSeed: () => number): Model {
  const store = new ParamStore(nextSeed);
  const plan = new LayerPlan(spec);
  const blocksPerStage = (depth - 2) / 6;
  const stemLayer = new ConvBn(store, 'stem', spec.inputShape[2], CIFAR_RESNET_WIDTHS[0], 3, 1, plan.first(), plan.activation);
  const blocks: BasicBlock[] = [];
  let inChannels: number = CIFAR_RESNET_WIDTHS[0];
  CIFAR_RESNET_WIDTHS.forEach((channels, stage) => {
    for (let b = 0; b < blocksPerStage; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const name = `stage${stage + 1}/block${b + 1}`;
      const shortcut = stride === 1 && inChannels === channels ? identity : paddedShortcut(store, name, inChannels, channels);
      blocks.push(new BasicBlock(store, name, inChannels, channels, stride, plan, shortcut));
      inChannels = channels;
    }
  });
  const classifier = new QDense(store, 'classifier', inChannels, spec.numClasses, plan.last());
  const stem: Stage = { apply: (x, ctx) => stemLayer.applyActivated(x, ctx), describe: (graph, input) => stemLayer.describeActivated(graph, input) };
  return assemble(spec, store, plan, stem, blocks, classifier);
}

/**
 * ResNet-18 with projection shortcuts. Images of 64 pixels and more get the ImageNet stem
 * (7x7 stride 2 and a 3x3 max pool); smaller ones a 3x3 stem, as CIFAR variants do.
 */
export function buildResnet18(spec: ModelSpec, nextSeed: () => number): Model {
  const store = new ParamStore(nextSeed);
  const plan = new LayerPlan(spec);
  const large = Math.min(spec.inputShape[0], spec.inputShape[1]) >= 64;
  const stemLayer = new ConvBn(store, 'stem', spec.inputShape[2], RESNET18_WIDTHS[0], large ? 7 : 3, large ? 2 : 1, plan.first(), plan.activation);
  const stem: Stage = {
    apply: (x, ctx) => {
      const y = stemLayer.applyActivated(x, ctx);
      return large ? tf.maxPool(y, 3, 2, 'same') : y;
    },
    describe: (graph, input) => {
      const y = stemLayer.describeActivated(graph, input);
      return large ? graph.add({ name: 'stem/maxpool', kind: 'max-pool', inputs: [y], attrs: { size: [3, 3], strides: [2, 2], padding: 'same' } }) : y;
    },
  };
  const blocks: BasicBlock[] = [];
  let inChannels: number = RESNET18_WIDTHS[0];
  RESNET18_WIDTHS.forEach((channels, stage) => {
    for (let b = 0; b < 2; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const name = `stage${stage + 1}/block${b + 1}`;
      const shortcut = stride === 1 && inChannels === channels ? identity : projectionShortcut(store, name, inChannels, channels, stride, plan);
      blocks.push(new BasicBlock(store, name, inChannels, channels, stride, plan, shortcut));
      inChannels = channels;
    }
  });
  const classifier = new QDense(store, 'classifier', inChannels, spec.numClasses, plan.last());
  return assemble(spec, store, plan, stem, blocks, classifier);
}
