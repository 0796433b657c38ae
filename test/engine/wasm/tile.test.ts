import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { isPureBroadcast } from '../../../src-main/engine/wasm/tile';
import { onBoth, randomValues } from './compare';

const cases: Array<{ shape: number[]; reps: number[] }> = [
  { shape: [1, 1, 1, 5], reps: [3, 4, 6, 1] }, // batch-norm gradient broadcast
  { shape: [3, 1, 1, 5], reps: [1, 4, 2, 1] },
  { shape: [2, 3, 4, 1], reps: [1, 1, 1, 7] },
  { shape: [1, 6], reps: [5, 1] },
  { shape: [7], reps: [1] },
  { shape: [2, 3], reps: [2, 3] }, // not a broadcast: shipped kernel
  { shape: [1, 2, 1], reps: [3, 2, 4] }, // not a broadcast: shipped kernel
  { shape: [0, 1], reps: [1, 4] },
];

describe('wasm Tile', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels(); // before setBackend: the shipped fallback must still be set up
    await tf.setBackend('wasm');
  });

  it('classifies pure broadcasts', () => {
    expect(isPureBroadcast([1, 1, 1, 5], [3, 4, 6, 1])).toBe(true);
    expect(isPureBroadcast([2, 3], [2, 3])).toBe(false);
  });

  for (const { shape, reps } of cases) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      it(`[${shape}] x [${reps}] ${dtype}`, async () => {
        const v = Array.from(randomValues(tf.util.sizeFromShape(shape), 10), (a) => (dtype === 'float32' ? a : Math.round(a * 5)));
        const r = await onBoth(() => [tf.tile(tf.tensor(dtype === 'bool' ? v.map((a) => a > 0) : v, shape, dtype), reps)]);
        expect(Array.from(r.wasm[0])).toEqual(Array.from(r.cpu[0]));
      });
    }
  }
});
