import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createQuantizer, lsqLevels, MIN_INIT_STEP, type QuantLevels } from '../../../src-main/engine/quantizers';
import { mseStep } from '../../../src-main/engine/quantizers/mse-step';
import type { Quantizer, QuantizerOptions } from '../../../src-main/engine/quantizers/quantizer';
import { Rng } from '../../../shared/rng';
import { evalContext, trainingContext, uniqueName, useCpuBackend } from './helpers';

beforeAll(useCpuBackend);

function quantizer(overrides: Partial<QuantizerOptions>): Quantizer {
  return createQuantizer({ kind: 'lsq', bits: 4, signed: true, target: 'weight', name: uniqueName('mse'), ...overrides });
}

/** The hard quantizer's error and the codes it uses, in float64 on the host: the reference the tests judge by. */
function quantize(values: Float32Array, s: number, { qn, qp }: QuantLevels): { mse: number; levels: number } {
  let sum = 0;
  const codes = new Set<number>();
  for (const v of values) {
    const q = Math.min(qp, Math.max(-qn, Math.round(v / s)));
    codes.add(q);
    sum += (q * s - v) ** 2;
  }
  return { mse: sum / values.length, levels: codes.size };
}

function samples(n: number, draw: (rng: Rng) => number, seed = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => draw(rng));
}
const uniform = (rng: Rng) => 2 * rng.next() - 1;
const gaussian = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());

function initStep(init: 'lsq' | 'mse', values: Float32Array, options: Partial<QuantizerOptions>): number {
  const q = quantizer({ ...options, init });
  const v = tf.tensor(values, options.target === 'activation' ? [values.length, 1] : [values.length]);
  q.initFrom(v);
  v.dispose();
  return q.step!.dataSync()[0];
}

describe("init 'mse' against LSQ's init (docs/method.md §2.2)", () => {
  const cases = [
    { name: 'uniform U(−1, 1), 4-bit signed', values: samples(10_000, uniform), bits: 4, signed: true, target: 'weight' as const },
    { name: 'gaussian N(0, 1), 8-bit signed', values: samples(10_000, gaussian), bits: 8, signed: true, target: 'weight' as const },
    { name: 'ReLU of N(0, 1), 2-bit unsigned', values: samples(10_000, (r) => Math.max(0, gaussian(r))), bits: 2, signed: false, target: 'activation' as const },
  ];
  for (const c of cases) {
    it(`${c.name}: less squared error, at least as many levels, within 1 % of a fine scan's best`, () => {
      const levels = lsqLevels(c.bits, c.signed);
      const lsq = quantize(c.values, initStep('lsq', c.values, c), levels);
      const mse = quantize(c.values, initStep('mse', c.values, c), levels);
      expect(mse.mse).toBeLessThan(lsq.mse);
      expect(mse.levels).toBeGreaterThanOrEqual(lsq.levels);
      const top = Math.max(...c.values.map(Math.abs));
      let best = Infinity;
      for (let i = 1; i <= 1000; i++) best = Math.min(best, quantize(c.values, (top / levels.qp) * (i / 1000), levels).mse);
      expect(mse.mse).toBeLessThanOrEqual(best * 1.01);
    });
  }

  it('uses the grid where LSQ leaves most of it empty: uniform 4-bit, 16 levels against 7', () => {
    const values = samples(10_000, uniform);
    const levels = lsqLevels(4, true);
    expect(quantize(values, initStep('lsq', values, { bits: 4 }), levels).levels).toBe(7);
    expect(quantize(values, initStep('mse', values, { bits: 4 }), levels).levels).toBe(16);
  });
});

describe("init 'mse' in every quantizer with a learnable step", () => {
  it('gives lsq, nt, pqn and nt-pqn the same searched step, on weights and on a first batch', () => {
    const v = tf.tensor(samples(4096, gaussian, 7), [64, 64]);
    const expected = mseStep(v, lsqLevels(3, true), MIN_INIT_STEP);
    for (const kind of ['lsq', 'nt', 'pqn', 'nt-pqn'] as const) {
      const weight = quantizer({ kind, bits: 3, init: 'mse' });
      weight.initFrom(v);
      expect(weight.step!.dataSync()[0]).toBe(expected.dataSync()[0]);
      const input = quantizer({ kind, bits: 3, init: 'mse', target: 'activation' });
      // Activations take their step from the first batch they see, inside the training forward.
      tf.dispose(input.apply(v, trainingContext({ lambda: 0.5 })));
      expect(input.initialized).toBe(true);
      expect(input.step!.dataSync()[0]).toBe(expected.dataSync()[0]);
    }
    tf.dispose([v, expected]);
  });

  it('keeps nothing on the gradient tape: an mse init costs the step no more tensors than an lsq one', () => {
    const x = tf.variable(tf.tensor(samples(4096, gaussian, 3), [16, 256]));
    const liveDuringStep = (init: 'lsq' | 'mse') => {
      const q = quantizer({ kind: 'nt', target: 'activation', init });
      let live = 0;
      const { value, grads } = tf.variableGrads(() => {
        const y = tf.sum(q.apply(x, trainingContext({ lambda: 0.5 }))) as tf.Scalar;
        live = tf.memory().numTensors;
        return y;
      }, [x]);
      tf.dispose([value, ...Object.values(grads)]);
      return live;
    };
    liveDuringStep('lsq');
    expect(liveDuringStep('mse')).toBeLessThanOrEqual(liveDuringStep('lsq') + 2);
    x.dispose();
  });

  it('floors an all-zero tensor at MIN_INIT_STEP and names the quantizer on non-finite values', () => {
    const zeros = quantizer({ init: 'mse', name: 'conv1/weight_step' });
    zeros.initFrom(tf.zeros([8]));
    expect(zeros.step!.dataSync()[0]).toBeCloseTo(MIN_INIT_STEP, 12);
    const bad = quantizer({ init: 'mse', name: 'conv2/weight_step' });
    expect(() => bad.initFrom(tf.tensor1d([0.5, NaN, 1]))).toThrow("Error in lsq quantizer 'conv2/weight_step': initFrom got non-finite values (init 'mse'");
    expect(() => quantizer({ init: 'minmax' as 'mse' })).toThrow("init must be 'lsq' or 'mse', got minmax");
  });
});

describe('levels used (docs/method.md §5.4)', () => {
  it('counts the distinct codes of the recorded tensor, clipped ones on their bound', async () => {
    const q = quantizer({ bits: 3 }); // Qn = 4, Qp = 3
    tf.tidy(() => q.step!.assign(tf.scalar(0.5)));
    q.initialized = true;
    // u = [0.3, −1.4, 5, −6, 0.1, 3.4]: codes 0, −1, 3 (clipped), −4 (clipped), 0, 3 (clipped): 4 levels.
    tf.dispose(q.apply(tf.tensor1d([0.15, -0.7, 2.5, -3, 0.05, 1.7]), { ...evalContext, collectStats: true }));
    expect((await q.readStats())!.levelsUsed).toBe(4);
  });

  it('is 1 for the ReLU zeros of an unsigned activation alone, and 2^b at most', async () => {
    const q = quantizer({ bits: 2, signed: false, target: 'activation' });
    tf.tidy(() => q.step!.assign(tf.scalar(1)));
    q.initialized = true;
    tf.dispose(q.apply(tf.zeros([4, 3]), { ...evalContext, collectStats: true }));
    expect((await q.readStats())!.levelsUsed).toBe(1);
    tf.dispose(q.apply(tf.tensor2d([[0, 1.2, 2, 9, 40, 3.1]]), { ...evalContext, collectStats: true }));
    expect((await q.readStats())!.levelsUsed).toBe(4);
  });
});
