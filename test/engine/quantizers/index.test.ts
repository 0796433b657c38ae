import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  QUANTIZER_KINDS,
  createQuantizer,
  type QuantizerKind,
  type QuantizerOptions,
} from '../../../src-main/engine/quantizers';
import { evalContext, trainingContext, uniqueName, useCpuBackend } from './helpers';

beforeAll(useCpuBackend);

const options = (kind: QuantizerKind, target: 'weight' | 'activation' = 'activation'): QuantizerOptions => ({
  kind,
  bits: 4,
  signed: target === 'weight',
  target,
  name: uniqueName(kind),
});

describe('createQuantizer', () => {
  it.each(QUANTIZER_KINDS)('creates a %s quantizer with the requested settings', (kind) => {
    const quantizer = createQuantizer(options(kind));
    expect(quantizer.kind).toBe(kind);
    expect(quantizer.target).toBe('activation');
    expect(quantizer.step === null).toBe(kind === 'fp');
  });

  it('rejects an unknown kind', () => {
    expect(() => createQuantizer({ ...options('lsq'), kind: 'pact' as QuantizerKind, name: 'x' })).toThrow(
      "Error in createQuantizer 'x': kind must be one of fp, lsq, pqn, nt, nt-pqn, got pact",
    );
  });
});

describe.each(QUANTIZER_KINDS)('%s quantizer memory', (kind) => {
  it('leaves tf.memory().numTensors unchanged after 100 applies inside tf.tidy', () => {
    const quantizer = createQuantizer(options(kind));
    const v = tf.randomUniform([8, 4, 4, 3], 0, 2, 'float32', 1);
    const ctx = trainingContext({ lambda: 0.5, collectStats: true });
    tf.tidy(() => quantizer.apply(v, ctx)); // the first batch initializes the step size
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      tf.tidy(() => {
        quantizer.apply(v, i % 2 === 0 ? ctx : evalContext);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves tf.memory().numTensors unchanged after 20 gradient passes', () => {
    const quantizer = createQuantizer(options(kind));
    const v = tf.variable(tf.randomUniform([8, 6], 0, 2, 'float32', 2));
    const ctx = trainingContext({ lambda: 0.5 });
    tf.tidy(() => quantizer.apply(v, ctx));
    const vars = quantizer.step ? [v, quantizer.step] : [v];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      tf.tidy(() => {
        tf.variableGrads(() => tf.sum(tf.square(quantizer.apply(v, ctx))) as tf.Scalar, vars);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });
});
