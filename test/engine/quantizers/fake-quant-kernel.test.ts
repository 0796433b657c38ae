import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { composedFakeQuant, type BinNoise } from '../../../src-main/engine/quantizers/fake-quant';
import { type FakeQuantMode, runFusedFakeQuant } from '../../../src-main/engine/quantizers/fake-quant-kernel';
import { drawNoise } from '../../../src-main/engine/quantizers/noise';
import { ONEDNN_IF_BUILT } from '../../helpers/onednn';

registerWasmTrainingKernels();

/** Values around every bin edge and tie, inside and far outside the clip range, non-finite, and random. */
function inputs(withNaN: boolean): { x: tf.Tensor; xi: tf.Tensor; n: tf.Tensor } {
  const ties = [-9.5, -8.5, -8, -7.5, -2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, 6.5, 7, 7.5, 9].map((v) => v * 0.25);
  const random = Array.from(tf.randomNormal([4096], 0, 1.5, 'float32', 1).dataSync());
  // wasm's clipByValue turns NaN into the lower bound; the fused kernel keeps NaN, as the cpu
  // backend does, so a diverging run still shows NaN.
  const x = tf.tensor1d([...ties, Infinity, -Infinity, 1e30, -1e30, ...(withNaN ? [NaN] : []), ...random]);
  return { x, xi: tf.randomUniform(x.shape, -1, 1, 'float32', 2), n: tf.randomUniform(x.shape, -0.5, 0.5, 'float32', 3) };
}

const cases: { mode: FakeQuantMode; noise: (t: ReturnType<typeof inputs>) => BinNoise | undefined }[] = [
  { mode: 0, noise: () => undefined },
  { mode: 1, noise: ({ xi }) => ({ kind: 'tempered', lambda: 0.37, xi }) },
  { mode: 2, noise: ({ n }) => ({ kind: 'pseudo', n }) },
];

describe.each(['cpu', 'wasm', ...ONEDNN_IF_BUILT])('fused fake-quant kernel on %s', (backend) => {
  it.each(cases)('gives the composed ops bit for bit in mode $mode, signed and unsigned', async ({ mode, noise }) => {
    await tf.setBackend(backend);
    for (const levels of [
      { qn: 8, qp: 7 },
      { qn: 0, qp: 15 },
    ]) {
      const t = inputs(backend !== 'wasm');
      const step = tf.scalar(0.25);
      const bin = noise(t);
      const lambda = bin?.kind === 'tempered' ? bin.lambda : 0;
      const noiseTensor = bin === undefined ? undefined : bin.kind === 'tempered' ? bin.xi : bin.n;
      // Adding 0 maps −0 to +0: backends round −0.5 to −0 or +0, the same value.
      const values = (r: tf.Tensor) => Array.from(r.dataSync(), (v) => v + 0);
      const fused = runFusedFakeQuant(t.x, step, noiseTensor as tf.Tensor | undefined, { ...levels, mode, lambda, noiseSeed: -1, noiseHalfWidth: 0 }).map(values);
      const composed = composedFakeQuant(t.x, step, levels, bin).map(values);
      expect(fused).toEqual(composed);
    }
  });

  it('draws in place exactly the uniform noise drawNoise gives for the same seed', async () => {
    await tf.setBackend(backend);
    const { x } = inputs(false);
    const step = tf.scalar(0.25);
    const levels = { qn: 8, qp: 7 };
    for (const [mode, halfWidth] of [
      [1, 1],
      [2, 0.5],
    ] as const) {
      const inPlace = runFusedFakeQuant(x, step, undefined, { ...levels, mode, lambda: 0.5, noiseSeed: 99, noiseHalfWidth: halfWidth });
      const fromTensor = runFusedFakeQuant(x, step, drawNoise(x.shape, 'uniform', halfWidth, 99), { ...levels, mode, lambda: 0.5, noiseSeed: -1, noiseHalfWidth: 0 });
      expect(inPlace.map((t) => Array.from(t.dataSync()))).toEqual(fromTensor.map((t) => Array.from(t.dataSync())));
    }
  });
});
