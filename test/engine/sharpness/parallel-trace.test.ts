import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src-main/engine/backend';
import type { TrainingSession } from '../../../src-main/engine/session';
import { computeSharpness, selectSubset, type SharpnessParamsInput } from '../../../src-main/engine/sharpness';
import { session } from '../../helpers/engine';
import { gratings } from '../../helpers/gratings';

const DATA = { inputShape: [8, 8, 1] as [number, number, number], numClasses: 10 };
const subset = selectSubset(gratings(200, 1, 8), 48, 0);
/** A standard-error target loose enough to stop before maxIterations: the stop must land on the same probe. */
const TRACE: SharpnessParamsInput = { measures: ['trace'], images: 48, batchSize: 20, seed: 5, trace: { maxIterations: 20, minIterations: 3, relativeStderr: 0.5 } };

let model: TrainingSession;

beforeAll(async () => {
  await selectBackend('wasm');
  model = session({ model: 'cnn-small', quant: { quantizer: 'fp', bits: 4 }, seed: 3 }, DATA);
});

afterAll(() => model.dispose());

// 16 s at most on the 2-core EPYC, so 6x that.
describe('computeSharpness with helper threads for the trace', { timeout: 90_000 }, () => {
  it('gives the same trace, bit for bit and at the same iteration, with 2 threads as with 1, and leaks no tensor', async () => {
    const one = await computeSharpness(model.model, subset, TRACE);
    const tensors = tf.memory().numTensors;
    const two = await computeSharpness(model.model, subset, TRACE, {}, { threads: 2 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(two.status).toBe('completed');
    expect(two.trace).toEqual(one.trace);
    expect(one.trace!.iterations).toBeGreaterThanOrEqual(3);
    expect(one.trace!.iterations).toBeLessThan(20);
  });

  it('reports every sample as progress, in order', async () => {
    const done: number[] = [];
    const result = await computeSharpness(model.model, subset, { ...TRACE, trace: { maxIterations: 4, minIterations: 4, relativeStderr: 0 } }, { onProgress: (d) => done.push(d) }, { threads: 3 });
    expect(result.trace!.iterations).toBe(4);
    expect(done).toEqual([1, 2, 3, 4]);
  });

  it('stops at the next sample when cancelled and ends its helpers', async () => {
    const tensors = tf.memory().numTensors;
    let progress = 0;
    const result = await computeSharpness(model.model, subset, { ...TRACE, trace: { maxIterations: 50, minIterations: 50, relativeStderr: 0 } }, { onProgress: () => progress++, shouldStop: () => progress >= 2 }, { threads: 2 });
    expect(result.status).toBe('cancelled');
    expect(result.trace).toBeUndefined();
    expect(progress).toBe(2);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
