import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { type BackendChoice, selectBackend } from '../../../src-main/engine/backend';
import type { QuantizeContext } from '../../../src-main/engine/quantizers/quantizer';

/** The cpu backend, or the one TEMPER_TEST_BACKEND names (the onednn test project). */
export async function useCpuBackend(): Promise<void> {
  await selectBackend((process.env.TEMPER_TEST_BACKEND ?? 'cpu') as BackendChoice);
}

let nameCounter = 0;
/** tfjs keeps one global registry of variable names, so every test quantizer needs its own. */
export function uniqueName(prefix: string): string {
  nameCounter += 1;
  return `${prefix}/${nameCounter}`;
}

/** A training context with a counting seed source, overridable per test. */
export function trainingContext(overrides: Partial<QuantizeContext> = {}): QuantizeContext {
  let seed = 100;
  return {
    training: true,
    lambda: 0,
    noise: 'uniform',
    nextSeed: () => (seed += 1),
    ...overrides,
  };
}

export const evalContext: QuantizeContext = {
  training: false,
  lambda: 0,
  noise: 'uniform',
  nextSeed: () => {
    throw new Error('eval must not draw noise');
  },
};

/** The raw bits of a float32 tensor, for bit-for-bit comparisons. */
export function bitsOf(t: tf.Tensor): number[] {
  const data = t.dataSync() as Float32Array;
  return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
}

export function valuesOf(t: tf.Tensor): number[] {
  // +0 folds -0 into 0 so hand-written expectations can say 0.
  return Array.from(t.dataSync(), (x) => x + 0);
}

/**
 * Gradients of sum(dy · f(v)) w.r.t. v and the step variable, from one forward pass.
 * v is wrapped in a variable so tf.variableGrads sees both.
 */
export function gradsThrough(
  f: (v: tf.Tensor) => tf.Tensor,
  v: tf.Tensor,
  step: tf.Variable,
  dy: tf.Tensor,
): { dv: number[]; ds: number } {
  return tf.tidy(() => {
    const vVar = tf.variable(v, true);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(vVar), dy)) as tf.Scalar, [
      vVar,
      step,
    ]);
    const result = { dv: valuesOf(grads[vVar.name]), ds: grads[step.name].dataSync()[0] };
    vVar.dispose();
    return result;
  });
}

export function expectClose(actual: number[], expected: number[], tolerance = 1e-5): void {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} ≠ expected length ${expected.length}`);
  }
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])))) {
      throw new Error(`element ${i}: ${a} is not within ${tolerance} of ${expected[i]}`);
    }
  });
}

/** Round half to even, as tf.round does (Math.round rounds ties up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
