import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchSource, type ImageSet } from '../../../src-main/data/batches';
import { selectBackend } from '../../../src-main/engine/backend';
import { evaluate } from '../../../src-main/engine/evaluate';
import type { Model } from '../../../src-main/engine/models';
import type { TrainingSession } from '../../../src-main/engine/session';
import { computeSharpness, parseSharpnessParams, selectSubset, type SharpnessParamsInput, type SharpnessResult } from '../../../src-main/engine/sharpness';
import { session, step } from '../../helpers/engine';
import { gratings } from '../../helpers/gratings';

const DATA = { inputShape: [8, 8, 1] as [number, number, number], numClasses: 10 };
const trainSet = gratings(200, 1, 8);
const subset = selectSubset(trainSet, 48, 0);
const SMALL: SharpnessParamsInput = {
  images: 48,
  batchSize: 20,
  trace: { maxIterations: 3, minIterations: 3 },
  eigen: { maxIterations: 3 },
  perturb: { directions: 2, radius: 0.1 },
  landscape: { points: 5, twoD: true, points2d: 3 },
};

/** A cnn-small trained for a few steps, so its activation quantizers have their step sizes. */
async function trained(quantizer: 'lsq' | 'fp'): Promise<TrainingSession> {
  const s = session({ model: 'cnn-small', quant: { quantizer, bits: 4 }, seed: 3 }, DATA);
  for await (const batch of createBatchSource(trainSet, { batchSize: 50, shuffle: true, seed: 1, dropLast: true }).batches(0)) {
    await step(s, batch);
    tf.dispose([batch.x, batch.y]);
  }
  return s;
}

/** Copies of every tensor a checkpoint holds, by name. */
const snapshot = (model: Model) => new Map(model.store.allVariables().map(({ name, variable }) => [name, Float32Array.from(variable.dataSync())]));

/** Names of the model tensors whose values differ from the snapshot in any bit. */
function changedSince(before: Map<string, Float32Array>, model: Model): string[] {
  const now = snapshot(model);
  return [...before].filter(([name, values]) => !Buffer.from(values.buffer).equals(Buffer.from(now.get(name)!.buffer))).map(([name]) => name);
}
const withoutTime = ({ seconds: _seconds, ...rest }: SharpnessResult) => rest;

let lsq: TrainingSession;

beforeAll(async () => {
  await selectBackend('wasm');
  lsq = await trained('lsq');
});

afterAll(() => lsq.dispose());

describe('computeSharpness', () => {
  let result: SharpnessResult;

  it('computes every measure, leaves every model tensor as it was and leaks no tensor', async () => {
    const before = snapshot(lsq.model);
    const tensors = tf.memory().numTensors;
    result = await computeSharpness(lsq.model, subset, SMALL);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(changedSince(before, lsq.model)).toEqual([]);
    expect(result.status).toBe('completed');
    expect(result.images).toBe(48);
    // wasm differentiates cnn-small twice: conv, batch norm, ReLU, pooling and the loss.
    expect(result.trace).toMatchObject({ iterations: 3, hvp: 'exact' });
    expect(result.eigen).toMatchObject({ iterations: 3, hvp: 'exact' });
    expect(result.hvpFallback).toBeUndefined();
    expect(Number.isFinite(result.trace!.value) && Number.isFinite(result.eigen!.value)).toBe(true);
    expect(result.landscape!.alphas).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(result.landscape!.grid2d!.loss).toHaveLength(3);
    expect(result.perturb).toMatchObject({ radius: 0.1, directions: 2 });
    expect(result.perturb!.max).toBeGreaterThanOrEqual(result.perturb!.mean);
  });

  it("measures the landscape and the perturbation base with the model's own evaluation at α = 0", async () => {
    const source = createBatchSource(subset, { batchSize: 20, shuffle: false, seed: 0, dropLast: false });
    const metrics = await evaluate(lsq.model, source);
    expect(result.landscape!.loss[2]).toBeCloseTo(metrics.loss, 6);
    expect(result.landscape!.top1[2]).toBe(metrics.top1);
    expect(result.perturb!.base).toBeCloseTo(metrics.loss, 6);
    expect(result.landscape!.grid2d!.loss[1][1]).toBeCloseTo(metrics.loss, 6);
    // The walk goes uphill away from the trained point at α = ±1 of a filter-normalized step.
    expect(Math.max(result.landscape!.loss[0], result.landscape!.loss[4])).toBeGreaterThan(metrics.loss);
  });

  it('stores the full parameters, defaults included', () => {
    expect(result.params).toEqual(parseSharpnessParams(SMALL));
    expect(result.params).toMatchObject({ at: 'dequantized', relativeStep: 1e-3, hvp: 'exact', trace: { relativeStderr: 0.02 }, landscape: { span: 1 } });
  });

  it('uses central differences when asked, and says so', async () => {
    const forced = await computeSharpness(lsq.model, subset, { ...SMALL, measures: ['trace'], hvp: 'central-difference' });
    expect(forced.trace).toMatchObject({ iterations: 3, hvp: 'central-difference' });
    // The same probes, another product: ReLU kinks inside the step move the estimate.
    expect(Number.isFinite(forced.trace!.value)).toBe(true);
    expect(forced.trace!.value).not.toBe(result.trace!.value);
  });

  it('gives the same numbers for the same seed and other numbers for another seed', async () => {
    const again = await computeSharpness(lsq.model, subset, SMALL);
    expect(withoutTime(again)).toEqual(withoutTime(result));
    // Each measure draws from its own stream: leaving the others out changes nothing.
    const alone = await computeSharpness(lsq.model, subset, { ...SMALL, measures: ['landscape'] });
    expect(alone.landscape).toEqual(result.landscape);
    const other = await computeSharpness(lsq.model, subset, { ...SMALL, seed: 1, measures: ['trace', 'perturb'] });
    expect(other.trace!.value).not.toBe(result.trace!.value);
    expect(other.perturb!.mean).not.toBe(result.perturb!.mean);
  });

  it('measures curvature at the dequantized weights unless asked for the latent ones', async () => {
    const params = { ...SMALL, measures: ['trace' as const] };
    const latent = await computeSharpness(lsq.model, subset, { ...params, at: 'latent' });
    expect(latent.trace!.value).not.toBe(result.trace!.value);
    // A full-precision model has no quantizer: both points are the same weights.
    const fp = await trained('fp');
    const [a, b] = [await computeSharpness(fp.model, subset, params), await computeSharpness(fp.model, subset, { ...params, at: 'latent' })];
    expect(a.trace!.value).toBe(b.trace!.value);
    fp.dispose();
  });

  it('reports progress up to the total and stops when asked, restoring the weights', async () => {
    const calls: [number, number, string, { done: number; total: number }][] = [];
    const result = await computeSharpness(lsq.model, subset, { ...SMALL, measures: ['trace', 'landscape'], trace: { maxIterations: 20, minIterations: 1, relativeStderr: 0.5 } }, { onProgress: (...args) => calls.push(args) });
    expect(calls.at(-1)).toEqual([20 + 5 + 9, 20 + 5 + 9, 'landscape', { done: 5 + 9, total: 5 + 9 }]);
    // Within a measure the progress counts what its result reports: Hutchinson samples of at most 20.
    const traceUnits = calls.filter((c) => c[2] === 'trace').map((c) => c[3]);
    expect(traceUnits.at(-1)).toEqual({ done: result.trace!.iterations, total: 20 });
    expect(traceUnits.map((u) => u.done)).toEqual(Array.from({ length: result.trace!.iterations }, (_, i) => i + 1).concat(result.trace!.iterations));
    const counts = calls.map((c) => c[0]);
    expect(counts.every((n, i) => i === 0 || n > counts[i - 1])).toBe(true);
    // The trace stopped early (standard error within 50 %) and handed its unused budget over in one step.
    expect(counts.length).toBeLessThan(20 + 5 + 9);

    const before = snapshot(lsq.model);
    const tensors = tf.memory().numTensors;
    let landscapeSteps = 0;
    const cancelled = await computeSharpness(lsq.model, subset, { ...SMALL, measures: ['eigen', 'landscape'] }, {
      onProgress: (_done, _total, what) => (landscapeSteps += what === 'landscape' ? 1 : 0),
      shouldStop: () => landscapeSteps >= 2,
    });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.eigen).toBeDefined();
    expect(cancelled.landscape).toBeUndefined();
    expect(changedSince(before, lsq.model)).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses a quantized forward on a model whose activation quantizers never saw data', async () => {
    const fresh = session({ model: 'cnn-small', quant: { quantizer: 'lsq', bits: 4 } }, DATA);
    await expect(computeSharpness(fresh.model, subset, { ...SMALL, measures: ['landscape'] })).rejects.toThrow(/conv1\/conv.*train the model for at least one step/);
    const trace = await computeSharpness(fresh.model, subset, { ...SMALL, measures: ['trace'] });
    expect(trace.status).toBe('completed');
    fresh.dispose();
  });
});

describe('selectSubset', () => {
  const labelled: ImageSet = { ...trainSet, labels: Int32Array.from({ length: 200 }, (_, i) => i % 10) };

  it('draws the same images for the same seed, others for another, each image at most once', () => {
    const a = selectSubset(labelled, 50, 7);
    expect(a.labels.length).toBe(50);
    expect(selectSubset(labelled, 50, 7)).toEqual(a);
    expect(selectSubset(labelled, 50, 8).images).not.toEqual(a.images);
    const pixels = 64;
    const rows = new Set(Array.from({ length: 50 }, (_, i) => a.images.subarray(i * pixels, (i + 1) * pixels).join(',')));
    expect(rows.size).toBe(50);
  });

  it('keeps the whole set when it is smaller than the sample count', () => {
    const all = selectSubset(labelled, 1024, 0);
    expect(all.images).toEqual(labelled.images);
    expect(Array.from(all.labels)).toEqual(Array.from(labelled.labels));
  });
});

describe('sharpness parameters', () => {
  it('fill every default and name the field that is wrong', () => {
    const params = parseSharpnessParams({});
    expect(params).toMatchObject({ measures: ['trace', 'eigen', 'perturb', 'landscape'], images: 1024, seed: 0, at: 'dequantized', hvp: 'exact', trace: { maxIterations: 200, minIterations: 30, relativeStderr: 0.02 }, eigen: { maxIterations: 50, tolerance: 1e-3 }, landscape: { points: 21, span: 1, twoD: false } });
    expect(() => parseSharpnessParams({ trace: { relativeStderr: -1 } })).toThrow(/trace\.relativeStderr/);
    expect(() => parseSharpnessParams({ trace: { minIterations: 40, maxIterations: 20 } })).toThrow(/trace\.minIterations: minIterations must not exceed maxIterations/);
    expect(() => parseSharpnessParams({ hvp: 'finite' })).toThrow(/hvp:/);
    expect(() => parseSharpnessParams({ measures: ['trace', 'trace'] })).toThrow(/measures/);
    expect(() => parseSharpnessParams({ at: 'somewhere' })).toThrow(/at:/);
  });

  it("accept the old name 'samples' for images, and refuse the old running-mean tolerance by name", () => {
    expect(parseSharpnessParams({ samples: 256 })).toMatchObject({ images: 256 });
    expect(parseSharpnessParams({ samples: 256 })).not.toHaveProperty('samples');
    expect(parseSharpnessParams({ samples: 256, images: 256 })).toMatchObject({ images: 256 });
    expect(() => parseSharpnessParams({ samples: 256, images: 512 })).toThrow(/samples: 'samples' is the old name of 'images'/);
    expect(() => parseSharpnessParams({ samples: 0 })).toThrow(/images/);
    expect(() => parseSharpnessParams({ trace: { tolerance: 1e-3 } })).toThrow(/trace\.tolerance: .*use trace\.relativeStderr/);
  });
});
