import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src-main/engine/backend';
import { buildModel, type Model } from '../../../src-main/engine/models';
import { Rng } from '../../../shared/rng';
import { disposeDirection, filterNormalizedDirection, WeightMover, weightVariables } from '../../../src-main/engine/sharpness/directions';
import { parseTrainConfig } from '../../../shared/config';

let model: Model;

beforeAll(async () => {
  await selectBackend('cpu');
  const rng = new Rng(0);
  const quant = parseTrainConfig({ model: 'resnet20', quant: { quantizer: 'lsq' } }).quant;
  model = buildModel({ name: 'resnet20', inputShape: [8, 8, 3], numClasses: 10, quant }, () => rng.nextSeed());
});

afterAll(() => model.store.dispose());

/** Norm of each output channel (last axis) of a kernel. */
function filterNorms(t: tf.Tensor): number[] {
  const out = t.shape[t.shape.length - 1];
  const values = t.dataSync();
  const sums = new Array<number>(out).fill(0);
  for (let i = 0; i < values.length; i++) sums[i % out] += values[i] ** 2;
  return sums.map(Math.sqrt);
}

const snapshot = () => new Map(model.store.allVariables().map(({ name, variable }) => [name, Float32Array.from(variable.dataSync())]));

/** Names of the model tensors whose values differ from the snapshot in any bit. */
function changedSince(before: Map<string, Float32Array>): string[] {
  const now = snapshot();
  return [...before].filter(([name, values]) => !Buffer.from(values.buffer).equals(Buffer.from(now.get(name)!.buffer))).map(([name]) => name);
}

describe('filterNormalizedDirection', () => {
  it('covers every conv and dense kernel and nothing else', () => {
    const direction = filterNormalizedDirection(model, 1);
    const names = model.store.trainable.filter((p) => direction.variables.includes(p.variable)).map((p) => p.name);
    expect(names).toHaveLength(20); // 19 convs and the classifier of ResNet-20
    expect(names.every((n) => n.endsWith('/kernel'))).toBe(true);
    disposeDirection(direction);
  });

  it('gives each filter (output channel) the norm of the same filter of the weights', () => {
    const direction = filterNormalizedDirection(model, 1);
    direction.variables.forEach((w, i) => {
      const d = direction.tensors[i];
      expect(d.shape).toEqual(w.shape);
      const [want, got] = [filterNorms(w), filterNorms(d)];
      got.forEach((n, f) => expect(n).toBeCloseTo(want[f], 4));
      // Not a rescaled copy of w: the direction points elsewhere.
      const cosine = tf.tidy(() => tf.div(tf.sum(tf.mul(w, d)), tf.mul(tf.norm(w), tf.norm(d))).dataSync()[0]);
      expect(Math.abs(cosine)).toBeLessThan(0.5);
    });
    disposeDirection(direction);
  });

  it('is the same for the same seed and another for another seed', () => {
    const [a, b, c] = [1, 1, 2].map((seed) => filterNormalizedDirection(model, seed));
    expect(Array.from(a.tensors[3].dataSync())).toEqual(Array.from(b.tensors[3].dataSync()));
    expect(Array.from(a.tensors[3].dataSync())).not.toEqual(Array.from(c.tensors[3].dataSync()));
    [a, b, c].forEach(disposeDirection);
  });
});

describe('WeightMover', () => {
  it('moves the kernels to w + c·d, leaves biases and BN alone, and restores every value bit for bit', () => {
    const before = snapshot();
    const direction = filterNormalizedDirection(model, 4);
    const mover = new WeightMover(weightVariables(model));
    const w = Array.from(direction.variables[0].dataSync());
    mover.moveTo([{ coefficient: 0.3, direction }]);
    const moved = direction.variables[0].dataSync();
    const d = direction.tensors[0].dataSync();
    w.forEach((value, i) => expect(moved[i]).toBeCloseTo(value + 0.3 * d[i], 5));
    const changed = changedSince(before);
    expect(changed.length).toBe(20);
    expect(changed.every((n) => n.endsWith('/kernel'))).toBe(true);
    mover.dispose();
    expect(changedSince(before)).toEqual([]);
    disposeDirection(direction);
  });
});
