import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../shared/rng';

/**
 * A vector in parameter space: one tensor per parameter, in the order of the objective's params.
 * Whoever receives one from these functions owns it and disposes it.
 */
export type ParamVector = tf.Tensor[];

export function dot(a: ParamVector, b: ParamVector): number {
  assertAligned(a, b, 'dot');
  return tf.tidy(() => tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i])))).dataSync()[0]);
}

export function norm(a: ParamVector): number {
  return Math.sqrt(dot(a, a));
}

/** a + c·b, a new vector. */
export function addScaled(a: ParamVector, c: number, b: ParamVector): ParamVector {
  assertAligned(a, b, 'addScaled');
  return tf.tidy(() => a.map((t, i) => tf.add(t, tf.mul(b[i], c))));
}

export function scale(a: ParamVector, c: number): ParamVector {
  return tf.tidy(() => a.map((t) => tf.mul(t, c)));
}

/** Entries ±1 with equal probability, drawn from `rng` (32 signs per draw). */
export function rademacher(shapes: readonly number[][], rng: Rng): ParamVector {
  return shapes.map((shape) => {
    const values = new Float32Array(shape.reduce((n, d) => n * d, 1));
    let bits = 0;
    for (let i = 0; i < values.length; i++) {
      if ((i & 31) === 0) bits = rng.nextUint32();
      values[i] = bits & 1 ? 1 : -1;
      bits >>>= 1;
    }
    return tf.tensor(values, shape, 'float32');
  });
}

function assertAligned(a: ParamVector, b: ParamVector, where: string): void {
  if (a.length !== b.length) throw new Error(`Error in ${where}: vectors have ${a.length} and ${b.length} parts`);
  a.forEach((t, i) => {
    if (!tf.util.arraysEqual(t.shape, b[i].shape)) {
      throw new Error(`Error in ${where}: part ${i} has shapes [${t.shape}] and [${b[i].shape}]`);
    }
  });
}
