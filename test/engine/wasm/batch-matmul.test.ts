import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { onBoth, randomValues, relativeError } from './compare';

describe('wasm BatchMatMul with transposes', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmTrainingKernels();
  });

  const shapes: Array<{ a: number[]; b: number[] }> = [
    { a: [5, 7], b: [7, 3] },
    { a: [4, 5, 7], b: [4, 7, 3] },
    { a: [1, 5, 7], b: [3, 7, 2] }, // broadcast batch
  ];
  for (const { a, b } of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`[${a}] x [${b}] transposeA=${ta} transposeB=${tb}`, async () => {
          const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
          const aShape = ta ? swap(a) : a;
          const bShape = tb ? swap(b) : b;
          const av = randomValues(tf.util.sizeFromShape(aShape), 11);
          const bv = randomValues(tf.util.sizeFromShape(bShape), 12);
          const r = await onBoth(() => [tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb)]);
          expect(relativeError(r.cpu[0], r.wasm[0])).toBeLessThanOrEqual(1e-5);
        });
      }
    }
  }
});
