// Shared helpers for the wasm kernel tests: run the same computation on the
// cpu and wasm backends from identical inputs and measure the difference.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-wasm';

/** Deterministic uniform(-1, 1) values. */
export function randomValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/** Runs f on 'cpu' then 'wasm' and returns the downloaded outputs of each. */
export async function onBoth(f: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const results: Record<'cpu' | 'wasm', Float32Array[]> = { cpu: [], wasm: [] };
  for (const name of ['cpu', 'wasm'] as const) {
    await tf.setBackend(name);
    const outs = tf.tidy(f);
    results[name] = outs.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(outs);
  }
  return results;
}

/** max |a - b| / max |a| (0 when both are all zero). */
export function relativeError(expected: Float32Array, actual: Float32Array): number {
  if (expected.length !== actual.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  if (Number.isNaN(diff)) return Infinity;
  return scale === 0 ? diff : diff / scale;
}

export function maxRelativeError(r: { cpu: Float32Array[]; wasm: Float32Array[] }): number {
  return Math.max(...r.cpu.map((c, i) => relativeError(c, r.wasm[i])));
}
