import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';
import { EVAL_CONTEXT } from '../../src-main/engine/evaluate';
import { buildModel, type ModelSpec } from '../../src-main/engine/models';
import { Rng } from '../../shared/rng';
import { parseTrainConfig, type ModelName } from '../../shared/config';

const quant = (input: object = {}) => parseTrainConfig({ model: 'mlp', quant: input }).quant;

function build(name: ModelName, inputShape: [number, number, number], q = quant()) {
  const rng = new Rng(0);
  return buildModel({ name, inputShape, numClasses: 10, quant: q } satisfies ModelSpec, () => rng.nextSeed());
}

function parameterCount(model: ReturnType<typeof build>): number {
  return model.store.trainable.filter((p) => p.role !== 'step').reduce((n, p) => n + p.variable.size, 0);
}

const trainingContext = { ...EVAL_CONTEXT, training: true, lambda: 0.5, nextSeed: () => 7 };

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('models', () => {
  it.each([
    ['mlp', [28, 28, 1]],
    ['cnn-small', [28, 28, 1]],
    ['resnet20', [32, 32, 3]],
    ['resnet32', [32, 32, 3]],
    ['resnet56', [32, 32, 3]],
    ['resnet18', [32, 32, 3]],
    ['resnet18', [64, 64, 3]],
  ] as const)('%s on %j gives [batch, classes] logits in training and eval', (name, shape) => {
    const model = build(name, [...shape]);
    const before = tf.memory().numTensors;
    const shapes = tf.tidy(() => {
      const x = tf.randomNormal([2, ...shape]) as tf.Tensor4D;
      return [model.apply(x, trainingContext).shape, model.apply(x, EVAL_CONTEXT).shape];
    });
    expect(shapes).toEqual([
      [2, 10],
      [2, 10],
    ]);
    expect(tf.memory().numTensors).toBe(before);
    model.store.dispose();
  });

  it('resnet20 has the 0.27M parameters of He et al. (2016)', () => {
    const model = build('resnet20', [32, 32, 3]);
    expect(parameterCount(model)).toBeGreaterThan(265_000);
    expect(parameterCount(model)).toBeLessThan(275_000);
    model.store.dispose();
  });

  it('quantizes first and last layer at 8 bits and every other layer at the run bit-width', () => {
    const model = build('resnet20', [32, 32, 3], quant({ quantizer: 'nt', bits: 3 }));
    const layers = model.store.quantizers;
    expect(layers[0].layer).toBe('stem/conv');
    expect(layers.at(-1)!.layer).toBe('classifier');
    for (const q of [layers[0], layers.at(-1)!]) expect([q.input.bits, q.weight.bits]).toEqual([8, 8]);
    for (const q of layers.slice(1, -1)) expect([q.input.kind, q.input.bits, q.weight.bits]).toEqual(['nt', 3, 3]);
    // The image is signed, everything after a ReLU is not.
    expect(layers[0].input.signed).toBe(true);
    expect(layers.slice(1).every((q) => !q.input.signed)).toBe(true);
    model.store.dispose();
  });

  it('keeps first and last layer full precision when firstLastBits is null', () => {
    const model = build('cnn-small', [28, 28, 1], quant({ quantizer: 'lsq', bits: 2, firstLastBits: null }));
    const kinds = model.store.quantizers.map((q) => q.weight.kind);
    expect(kinds).toEqual(['fp', 'lsq', 'lsq', 'lsq', 'fp']);
    model.store.dispose();
  });

  it('has no step sizes in full precision', () => {
    const model = build('cnn-small', [28, 28, 1], quant({ quantizer: 'fp' }));
    expect(model.store.trainable.filter((p) => p.role === 'step')).toEqual([]);
    model.store.dispose();
  });

  it('initializes weight step sizes with LSQ init from the weights', () => {
    const model = build('mlp', [8, 8, 1], quant({ quantizer: 'lsq', bits: 4 }));
    const { weight, weightVariable } = model.store.quantizers[1];
    const meanAbs = tf.mean(tf.abs(weightVariable)).dataSync()[0];
    expect(weight.step!.dataSync()[0]).toBeCloseTo((2 * meanAbs) / Math.sqrt(7), 6);
    model.store.dispose();
  });

  it('gives the same weights for the same seed', () => {
    const [a, b] = [build('cnn-small', [28, 28, 1]), build('cnn-small', [28, 28, 1])];
    for (let i = 0; i < a.store.trainable.length; i++) {
      expect(a.store.trainable[i].variable.dataSync()).toEqual(b.store.trainable[i].variable.dataSync());
    }
    a.store.dispose();
    b.store.dispose();
  });

  it('rejects inputs too small, bad class counts and unknown models with the value in the message', () => {
    expect(() => build('resnet20', [4, 4, 3])).toThrow("Model 'resnet20' needs images of at least 8x8, got 4x4");
    expect(() => build('resnet20', [32, 0, 3])).toThrow('input shape must be three positive integers');
    const rng = new Rng(0);
    expect(() => buildModel({ name: 'mlp', inputShape: [8, 8, 1], numClasses: 1, quant: quant() }, () => rng.nextSeed())).toThrow('numClasses must be an integer ≥ 2, got 1');
    expect(() => buildModel({ name: 'vgg' as ModelName, inputShape: [8, 8, 1], numClasses: 10, quant: quant() }, () => rng.nextSeed())).toThrow("Unknown model 'vgg'");
  });
});
