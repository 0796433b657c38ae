import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../shared/rng';
import type { NoiseDistribution } from './quantizer';

/**
 * Quantizer noise, drawn on the JS side from a seeded sfc32 stream: the same values on every backend,
 * and several times faster than tf.randomUniform's generator for the millions of draws a step needs.
 */

/** i.i.d. U(-halfWidth, halfWidth), or N(0, halfWidth/√3) with the same variance. */
export function drawNoise(shape: number[], distribution: NoiseDistribution, halfWidth: number, seed: number): tf.Tensor {
  const size = shape.reduce((n, d) => n * d, 1);
  const values = new Float32Array(size);
  const rng = new Rng(seed);
  if (distribution === 'uniform') {
    rng.fillUniform(values, -halfWidth, halfWidth);
  } else {
    // Box–Muller: two normals from two uniforms; 1 - next() keeps the log's argument in (0, 1].
    const std = halfWidth / Math.sqrt(3);
    for (let i = 0; i < size; i += 2) {
      const radius = std * Math.sqrt(-2 * Math.log(1 - rng.next()));
      const angle = 2 * Math.PI * rng.next();
      values[i] = radius * Math.cos(angle);
      if (i + 1 < size) values[i + 1] = radius * Math.sin(angle);
    }
  }
  return tf.tensor(values, shape, 'float32');
}
