import * as tf from '@tensorflow/tfjs-core';
import { createBatchSource, type ImageSet } from '../data/batches';
import { type EvalMetrics, metricsFromSums } from './evaluate';
import type { ExportLayer } from './export-manifest';
import { type LoadedExport, loadExport } from './export-load';
import type { ExportNode } from './models/graph';

export { loadExport, type LoadedExport } from './export-load';

/** A layer's parameters as tensors: weights dequantized once from their codes, w = codes · s. */
interface LayerTensors {
  weight: tf.Tensor;
  bias: tf.Tensor | null;
  /** Input quantizer: step as a float32 scalar and the clip range in bins. */
  input: { step: tf.Scalar; qn: number; qp: number } | null;
}

interface BatchNormTensors {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  epsilon: number;
}

/** Runs an export's graph on normalized NHWC inputs; logits [batch, classes]. */
export interface ExportRunner {
  apply(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

function layerTensors(loaded: LoadedExport, layer: ExportLayer): LayerTensors {
  const values = (file: string, shape: number[]) => tf.tensor(Float32Array.from(loaded.tensors.get(file)!), shape, 'float32');
  const { weight, input, bias } = layer;
  const w = weight.quantized ? tf.tidy(() => tf.mul(values(weight.codes.file, weight.codes.shape), tf.scalar(weight.step))) : values(weight.values.file, weight.values.shape);
  return {
    weight: w,
    bias: bias ? values(bias.file, bias.shape) : null,
    input: input.quantized ? { step: tf.scalar(input.step), qn: input.qn, qp: input.qp } : null,
  };
}

/** q_x·s with q_x = round_half_even(clip(x/s, -Qn, Qp)): the deployment activation quantizer (method.md §2). */
function quantizeInput(x: tf.Tensor, input: LayerTensors['input']): tf.Tensor {
  if (!input) return x;
  return tf.mul(tf.round(tf.clipByValue(tf.div(x, input.step), -input.qn, input.qp)), input.step);
}

/** CIFAR option-A shortcut: every stride-th pixel, `offset` zero channels in front, the rest behind. */
function padShortcut(x: tf.Tensor4D, attrs: { strides: [number, number]; inChannels: number; outChannels: number; offset: number }): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const picked = tf.stridedSlice(x, [0, 0, 0, 0], [n, h, w, c], [1, attrs.strides[0], attrs.strides[1], 1]) as tf.Tensor4D;
  return tf.pad(picked, [[0, 0], [0, 0], [0, 0], [attrs.offset, attrs.outChannels - attrs.inChannels - attrs.offset]]);
}

/** Builds the tensors once; apply() interprets the graph node by node with tfjs ops. */
export function createExportRunner(loaded: LoadedExport): ExportRunner {
  const { manifest } = loaded;
  const layers = new Map<string, LayerTensors>();
  const norms = new Map<string, BatchNormTensors>();
  for (const [name, layer] of Object.entries(manifest.layers)) layers.set(name, layerTensors(loaded, layer));
  for (const [name, bn] of Object.entries(manifest.batchNorms)) {
    const vector = (file: string) => tf.tensor1d(loaded.tensors.get(file) as Float32Array, 'float32');
    norms.set(name, { gamma: vector(bn.gamma.file), beta: vector(bn.beta.file), mean: vector(bn.mean.file), variance: vector(bn.variance.file), epsilon: bn.epsilon });
  }

  function run(node: ExportNode, inputs: tf.Tensor[], x: tf.Tensor4D): tf.Tensor {
    const [a, b] = inputs;
    switch (node.kind) {
      case 'input':
        return x;
      case 'flatten':
        return tf.reshape(a, [a.shape[0], -1]);
      case 'conv2d': {
        const layer = layers.get(node.name)!;
        return tf.conv2d(quantizeInput(a, layer.input) as tf.Tensor4D, layer.weight as tf.Tensor4D, node.attrs.strides, node.attrs.padding);
      }
      case 'dense': {
        const layer = layers.get(node.name)!;
        return tf.add(tf.matMul(quantizeInput(a, layer.input) as tf.Tensor2D, layer.weight as tf.Tensor2D), layer.bias!);
      }
      case 'batchnorm': {
        const bn = norms.get(node.name)!;
        return tf.batchNorm(a, bn.mean, bn.variance, bn.beta, bn.gamma, bn.epsilon);
      }
      case 'relu':
        return tf.relu(a);
      case 'softplus':
        return tf.softplus(a);
      case 'add':
        return tf.add(a, b);
      case 'global-avg-pool':
        return tf.mean(a, [1, 2]);
      case 'max-pool':
        return tf.maxPool(a as tf.Tensor4D, node.attrs.size, node.attrs.strides, node.attrs.padding);
      case 'pad-shortcut':
        return padShortcut(a as tf.Tensor4D, node.attrs);
    }
  }

  function apply(x: tf.Tensor4D): tf.Tensor2D {
    const [, h, w, c] = x.shape;
    const expected = manifest.input.shape;
    if (h !== expected[0] || w !== expected[1] || c !== expected[2]) {
      throw new Error(`Error in export runner: input must be [batch, ${expected.join(', ')}], got [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const outputs = new Map<string, tf.Tensor>();
      for (const node of manifest.graph) outputs.set(node.name, run(node, node.inputs.map((name) => outputs.get(name)!), x));
      return outputs.get(manifest.graph[manifest.graph.length - 1].name) as tf.Tensor2D;
    });
  }

  function dispose(): void {
    for (const layer of layers.values()) tf.dispose([layer.weight, ...(layer.bias ? [layer.bias] : []), ...(layer.input ? [layer.input.step] : [])]);
    for (const bn of norms.values()) tf.dispose([bn.gamma, bn.beta, bn.mean, bn.variance]);
  }

  return { apply, dispose };
}

/**
 * Runs an exported model from its files alone on `testSet`, normalized with the export's own
 * mean and std: mean cross-entropy, top-1 and top-5 as evaluate() reports them for the model.
 */
export async function evaluateExport(dir: string, testSet: ImageSet, options: { batchSize?: number } = {}): Promise<EvalMetrics> {
  const loaded = loadExport(dir);
  const { manifest } = loaded;
  const numClasses = manifest.model.numClasses;
  if (testSet.shape.join() !== manifest.input.shape.join()) {
    throw new Error(`evaluateExport ${dir}: the test images are ${testSet.shape.join('x')}, the export expects ${manifest.input.shape.join('x')}`);
  }
  if (testSet.numClasses !== numClasses) throw new Error(`evaluateExport ${dir}: the test set has ${testSet.numClasses} classes, the export ${numClasses}`);
  const { mean, std } = manifest.input.normalization;
  const source = createBatchSource({ ...testSet, mean, std }, { batchSize: options.batchSize ?? 100, shuffle: false, seed: 0, dropLast: false });
  const k = Math.min(5, numClasses);
  const runner = createExportRunner(loaded);
  const totals = { loss: 0, top1: 0, top5: 0, count: 0 };
  try {
    for await (const { x, y } of source.batches(0)) {
      const sums = tf.tidy(() => {
        const logits = runner.apply(x);
        const loss = tf.sum(tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), logits, undefined, 0, tf.Reduction.NONE));
        const hits = tf.cast(tf.equal(tf.topk(logits, k).indices, tf.expandDims(y, 1)), 'float32');
        return tf.stack([loss, tf.sum(tf.slice(hits, [0, 0], [-1, 1])), tf.sum(hits)]);
      });
      const [loss, top1, top5] = await sums.data();
      tf.dispose([sums, x, y]);
      totals.loss += loss;
      totals.top1 += top1;
      totals.top5 += top5;
      totals.count += y.shape[0];
    }
  } finally {
    runner.dispose();
  }
  return metricsFromSums(totals);
}
