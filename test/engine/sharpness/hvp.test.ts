import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src-main/engine/backend';
import { buildModel, type Model } from '../../../src-main/engine/models';
import { Rng } from '../../../shared/rng';
import { fullPrecisionTwin, type EvaluationPoint } from '../../../src-main/engine/sharpness/full-precision-twin';
import { centralDifferenceHvp, exactHvp } from '../../../src-main/engine/sharpness/hvp';
import { crossEntropyObjective } from '../../../src-main/engine/sharpness/objective';
import { selectSubset, subsetTensors, type SubsetTensors } from '../../../src-main/engine/sharpness/subset';
import { rademacher } from '../../../src-main/engine/sharpness/vector';
import { parseTrainConfig } from '../../../shared/config';
import { gratings } from '../../helpers/gratings';
import { flat, multiply, quadraticObjective, relativeError, symmetricWithEigenvalues } from './quadratic';

describe('central-difference Hessian-vector product on a quadratic loss', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('gives A·v for L = ½wᵀAw + bᵀw, over parameters of several shapes', () => {
    const a = symmetricWithEigenvalues([9, 4, -2, 1, 0.5, 3, 7, -1, 2, 5, 0.1, 6], 3);
    const objective = quadraticObjective(a, [[3, 2], [6]]);
    const hvp = centralDifferenceHvp(objective, 1e-3);
    const v = [tf.randomNormal([3, 2], 0, 1, 'float32', 7), tf.randomNormal([6], 0, 1, 'float32', 8)];
    const hv = hvp(v);
    expect(relativeError(flat(hv), multiply(a, flat(v)))).toBeLessThan(1e-3);
    tf.dispose([...v, ...hv]);
    hvp.dispose();
    objective.dispose();
  });

  it('puts the parameters back bit for bit and leaks no tensor', () => {
    const objective = quadraticObjective(symmetricWithEigenvalues([1, 2, 3, 4], 1), [[4]]);
    const before = flat(objective.params);
    const tensors = tf.memory().numTensors;
    const hvp = centralDifferenceHvp(objective, 1e-2);
    const v = rademacher([[4]], new Rng(1));
    tf.dispose([...hvp(v), ...v]);
    hvp.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(flat(objective.params)).toEqual(before);
    objective.dispose();
  });

  it('rejects a vector of the wrong shape, naming the part', () => {
    const objective = quadraticObjective(symmetricWithEigenvalues([1, 2, 3, 4], 1), [[4]]);
    const hvp = centralDifferenceHvp(objective, 1e-3);
    const v = [tf.zeros([2, 2])];
    expect(() => hvp(v)).toThrow(/part 0 of v has shape \[2,2\], its parameter \[4\]/);
    tf.dispose(v);
    hvp.dispose();
    objective.dispose();
  });
});

describe('Hessian-vector product of an MLP against double backprop', () => {
  let model: Model;
  let subset: SubsetTensors;

  beforeAll(async () => {
    // The cpu backend differentiates the gradient of matMul, softplus and the affine ops below.
    await selectBackend('cpu');
    const rng = new Rng(0);
    const quant = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'lsq', bits: 4 } }).quant;
    model = buildModel({ name: 'mlp', inputShape: [6, 6, 1], numClasses: 2, quant, activation: 'softplus' }, () => rng.nextSeed());
    const images = gratings(48, 1, 6);
    subset = await subsetTensors(selectSubset({ ...images, labels: images.labels.map((l) => l % 2), numClasses: 2 }, 40, 0), 16);
  });

  afterAll(() => {
    subset.dispose();
    model.store.dispose();
  });

  /**
   * An independent reference: the MLP's inference forward written out from its variables with
   * elementary ops, and two-class cross-entropy as softplus of the wrong-class margin (no batchNorm
   * kernel, no logsumexp). The exact Hv is then ∇(∇L·v).
   */
  function referenceHvp(twin: Model, v: tf.Tensor[]): tf.Tensor[] {
    const vars = new Map(twin.store.allVariables().map((p) => [p.name, p.variable]));
    const get = (name: string) => vars.get(name)!;
    const forward = (x: tf.Tensor4D) => {
      let y: tf.Tensor = tf.reshape(x, [x.shape[0], -1]);
      for (const i of [1, 2]) {
        y = tf.add(tf.matMul(y as tf.Tensor2D, get(`fc${i}/kernel`) as tf.Tensor2D), get(`fc${i}/bias`));
        const invStd = tf.rsqrt(tf.add(get(`bn${i}/running_var`), 1e-5));
        y = tf.softplus(tf.add(tf.mul(tf.mul(tf.sub(y, get(`bn${i}/running_mean`)), invStd), get(`bn${i}/gamma`)), get(`bn${i}/beta`)));
      }
      return tf.add(tf.matMul(y as tf.Tensor2D, get('classifier/kernel') as tf.Tensor2D), get('classifier/bias'));
    };
    const params = twin.store.trainable.map((p) => p.variable);
    const loss = () => {
      const parts = subset.batches.map(({ x, y }) => {
        const logits = forward(x);
        const sign = tf.reshape(tf.sub(1, tf.mul(2, tf.cast(y, 'float32'))), [-1, 1]);
        return tf.sum(tf.softplus(tf.mul(tf.sub(tf.slice(logits, [0, 1], [-1, 1]), tf.slice(logits, [0, 0], [-1, 1])), sign)));
      });
      return tf.div(tf.addN(parts), subset.count) as tf.Scalar;
    };
    const { grads } = tf.variableGrads(() => {
      const gradient = tf.variableGrads(loss, params).grads;
      return tf.addN(params.map((p, i) => tf.sum(tf.mul(gradient[p.name], v[i])))) as tf.Scalar;
    }, params);
    return params.map((p) => grads[p.name]);
  }

  it.each(['dequantized', 'latent'] as EvaluationPoint[])('matches it within 1e-3 at the %s weights, and the exact product of the objective within 1e-5', (at) => {
    const twin = fullPrecisionTwin(model, at);
    const objective = crossEntropyObjective(twin, subset);
    expect(objective.params.length).toBe(10); // 3 dense (kernel, bias) + 2 BN (γ, β); no step sizes
    const hvp = centralDifferenceHvp(objective, 1e-3);
    const exact = exactHvp(objective);
    for (const seed of [1, 2]) {
      const v = rademacher(objective.params.map((p) => p.shape), new Rng(seed));
      const [estimate, product, reference] = [hvp(v), exact(v), referenceHvp(twin, v)];
      expect(relativeError(flat(estimate), flat(reference))).toBeLessThan(1e-3);
      expect(relativeError(flat(product), flat(reference))).toBeLessThan(1e-5);
      tf.dispose([...v, ...estimate, ...product, ...reference]);
    }
    hvp.dispose();
    twin.store.dispose();
  });

  it('takes the dequantized point from the weight quantizer: at most 2^bits levels per kernel', () => {
    const twin = fullPrecisionTwin(model, 'dequantized');
    const latent = fullPrecisionTwin(model, 'latent');
    const kernel = (m: Model) => m.store.trainable.find((p) => p.name === 'fc2/kernel')!.variable.dataSync();
    expect(new Set(kernel(twin)).size).toBeLessThanOrEqual(16);
    expect(new Set(kernel(latent)).size).toBeGreaterThan(1000);
    expect(Array.from(kernel(latent))).toEqual(Array.from(kernel(model)));
    twin.store.dispose();
    latent.store.dispose();
  });
});
