import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../shared/rng';
import type { HessianVectorProduct } from './hvp';
import { noPace, type Pace } from './pace';
import { dot, rademacher } from './vector';

export interface TraceOptions {
  maxIterations: number;
  minIterations: number;
  /**
   * Stop once the standard error is at most relativeStderr·|mean| (after minIterations); 0 runs
   * maxIterations. A rule on the error itself: the running mean can stand still by chance while the
   * error is still large.
   */
  relativeStderr: number;
}

export interface TraceEstimate {
  value: number;
  /** Standard error of the mean of the samples zᵀHz (0 after a single sample). */
  stderr: number;
  iterations: number;
}

/** Computes samples of the estimator; up to `ahead` may be asked for before the oldest is in. */
export interface TraceSampler {
  readonly ahead: number;
  /** zᵀHz for sample k (hutchinsonSample). */
  sample(k: number): Promise<number>;
}

/**
 * Sample k of Hutchinson's estimator, zᵀHz: its Rademacher z comes from a stream derived from `rng`
 * and k alone, so sample k is the same number on whichever thread computes it.
 */
export function hutchinsonSample(hvp: HessianVectorProduct, shapes: readonly number[][], rng: Rng, k: number): number {
  const z = rademacher(shapes, rng.fork(`hutchinson-${k}`));
  try {
    const hz = hvp(z);
    const sample = dot(z, hz);
    tf.dispose(hz);
    return sample;
  } finally {
    tf.dispose(z);
  }
}

/**
 * Hutchinson's estimator tr(H) = E[zᵀHz] for Rademacher z drawn from `rng` (method.md §5.1),
 * averaged until its standard error is small enough.
 */
export async function hutchinsonTrace(hvp: HessianVectorProduct, shapes: readonly number[][], rng: Rng, options: TraceOptions, pace: Pace = noPace): Promise<TraceEstimate> {
  const sampler: TraceSampler = { ahead: 1, sample: async (k) => hutchinsonSample(hvp, shapes, rng, k) };
  return traceFromSamples(sampler, options, pace);
}

/**
 * The mean of samples 0, 1, 2, … taken in index order, with the stopping rule of
 * hutchinsonTrace; up to `sampler.ahead` samples are asked for at once, and those past the stopping
 * point are dropped, so the estimate does not depend on how many are computed at once.
 */
export async function traceFromSamples(sampler: TraceSampler, options: TraceOptions, pace: Pace = noPace): Promise<TraceEstimate> {
  const { maxIterations, minIterations, relativeStderr } = options;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new Error(`Error in hutchinsonTrace: maxIterations must be a positive integer, got ${maxIterations}`);
  if (!(relativeStderr >= 0)) throw new Error(`Error in hutchinsonTrace: relativeStderr must be ≥ 0, got ${relativeStderr}`);
  const requested = new Map<number, Promise<number>>();
  let asked = 0;
  let mean = 0;
  let squares = 0; // Welford's running sum of squared deviations
  let k = 0;
  while (k < maxIterations) {
    while (asked < maxIterations && requested.size < sampler.ahead) {
      const sample = sampler.sample(asked);
      // A sample dropped after a stop or a failure must not surface as an unhandled rejection.
      sample.catch(() => {});
      requested.set(asked++, sample);
    }
    const sample = await requested.get(k)!;
    requested.delete(k);
    k++;
    const previous = mean;
    mean += (sample - mean) / k;
    squares += (sample - previous) * (sample - mean);
    await pace('trace');
    if (k >= Math.max(2, minIterations) && standardError(squares, k) <= relativeStderr * Math.abs(mean)) break;
  }
  return { value: mean, stderr: standardError(squares, k), iterations: k };
}

/** Standard error of the mean of k samples whose squared deviations sum to `squares`. */
function standardError(squares: number, k: number): number {
  return k > 1 ? Math.sqrt(squares / (k - 1) / k) : 0;
}
