import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from '../data/batches';
import type { Model } from './models';
import type { QuantizeContext } from './quantizers/quantizer';
import type { EvalMetrics } from '../../shared/metrics';

export type { EvalMetrics } from '../../shared/metrics';


/** The deployment forward: hard quantizers, running batch-norm statistics, no noise. */
export const EVAL_CONTEXT: QuantizeContext = {
  training: false,
  lambda: 0,
  noise: 'uniform',
  nextSeed: () => 0,
};

/** Mean cross-entropy, top-1 and top-5 accuracy (fractions) over every batch of `source`. */
export async function evaluate(model: Model, source: BatchSource): Promise<EvalMetrics> {
  return metricsFromSums(await evaluateSums(model, source));
}

/** Totals over a source, before dividing by the count: shards of a data-parallel run add them up. */
export interface EvalSums {
  loss: number;
  top1: number;
  top5: number;
  count: number;
}

export function metricsFromSums({ loss, top1, top5, count }: EvalSums): EvalMetrics {
  if (count === 0) throw new Error('evaluate: the evaluation set is empty');
  return { loss: loss / count, top1: top1 / count, top5: top5 / count, count };
}

/** Summed cross-entropy and top-1 / top-5 hits over every batch of `source` (zeros when it is empty). */
export async function evaluateSums(model: Model, source: BatchSource): Promise<EvalSums> {
  const k = Math.min(5, model.spec.numClasses);
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  let count = 0;
  for await (const { x, y } of source.batches(0)) {
    const sums = tf.tidy(() => {
      const logits = model.apply(x, EVAL_CONTEXT);
      const onehot = tf.oneHot(y, model.spec.numClasses);
      const loss = tf.sum(tf.losses.softmaxCrossEntropy(onehot, logits, undefined, 0, tf.Reduction.NONE));
      const { indices } = tf.topk(logits, k);
      const hits = tf.cast(tf.equal(indices, tf.expandDims(y, 1)), 'float32');
      const hit1 = tf.sum(tf.slice(hits, [0, 0], [-1, 1]));
      return tf.stack([loss, hit1, tf.sum(hits)]);
    });
    const [l, h1, h5] = await sums.data();
    sums.dispose();
    lossSum += l;
    top1 += h1;
    top5 += h5;
    count += y.shape[0];
    x.dispose();
    y.dispose();
  }
  return { loss: lossSum, top1, top5, count };
}
