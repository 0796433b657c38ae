import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng';
import type { HessianVectorProduct } from './hvp';
import { noPace, type Pace } from './pace';
import { dot, rademacher } from './vector';

export interface TraceOptions {
  maxIterations: number;
  minIterations: number;
  /** Stop once |mean_k − mean_{k−1}| / |mean_k| < tolerance (after minIterations); 0 runs maxIterations. */
  tolerance: number;
}

export interface TraceEstimate {
  value: number;
  /** Standard error of the mean of the samples zᵀHz (0 after a single sample). */
  stderr: number;
  iterations: number;
}

/**
 * Hutchinson's estimator tr(H) = E[zᵀHz] for Rademacher z drawn from `rng` (method.md §5.1),
 * averaged until the running mean settles.
 */
export async function hutchinsonTrace(hvp: HessianVectorProduct, shapes: readonly number[][], rng: Rng, options: TraceOptions, pace: Pace = noPace): Promise<TraceEstimate> {
  const { maxIterations, minIterations, tolerance } = options;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new Error(`Error in hutchinsonTrace: maxIterations must be a positive integer, got ${maxIterations}`);
  if (!(tolerance >= 0)) throw new Error(`Error in hutchinsonTrace: tolerance must be ≥ 0, got ${tolerance}`);
  let mean = 0;
  let squares = 0; // Welford's running sum of squared deviations
  let k = 0;
  while (k < maxIterations) {
    const z = rademacher(shapes, rng);
    let sample: number;
    try {
      const hz = hvp(z);
      sample = dot(z, hz);
      tf.dispose(hz);
    } finally {
      tf.dispose(z);
    }
    k++;
    const previous = mean;
    mean += (sample - mean) / k;
    squares += (sample - previous) * (sample - mean);
    await pace('trace');
    if (k >= Math.max(2, minIterations) && Math.abs(mean - previous) < tolerance * Math.abs(mean)) break;
  }
  const stderr = k > 1 ? Math.sqrt(squares / (k - 1) / k) : 0;
  return { value: mean, stderr, iterations: k };
}
