import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../../shared/rng';
import type { HessianVectorProduct } from './hvp';
import { noPace, type Pace } from './pace';
import { dot, norm, rademacher, scale, type ParamVector } from './vector';

export interface EigenOptions {
  maxIterations: number;
  /** Converged once |λ_k − λ_{k−1}| / |λ_k| < tolerance. */
  tolerance: number;
}

export interface EigenEstimate {
  /** The Rayleigh quotient vᵀHv of the last unit vector: the eigenvalue largest in magnitude, with its sign. */
  value: number;
  iterations: number;
  converged: boolean;
}

/** Power iteration v ← Hv/‖Hv‖ from a Rademacher start drawn from `rng` (method.md §5.1). */
export async function topEigenvalue(hvp: HessianVectorProduct, shapes: readonly number[][], rng: Rng, options: EigenOptions, pace: Pace = noPace): Promise<EigenEstimate> {
  const { maxIterations, tolerance } = options;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new Error(`Error in topEigenvalue: maxIterations must be a positive integer, got ${maxIterations}`);
  if (!(tolerance >= 0)) throw new Error(`Error in topEigenvalue: tolerance must be ≥ 0, got ${tolerance}`);
  let v: ParamVector = unit(rademacher(shapes, rng));
  let value = 0;
  let iterations = 0;
  let converged = false;
  try {
    while (iterations < maxIterations && !converged) {
      const hv = hvp(v);
      const previous = value;
      value = dot(v, hv);
      iterations++;
      const hvNorm = norm(hv);
      tf.dispose(v);
      // Hv = 0: v lies in the null space, and 0 is the answer it gives.
      v = scale(hv, hvNorm > 0 ? 1 / hvNorm : 0);
      tf.dispose(hv);
      converged = hvNorm === 0 || (iterations > 1 && Math.abs(value - previous) < tolerance * Math.abs(value));
      await pace('eigen');
    }
  } finally {
    tf.dispose(v);
  }
  return { value, iterations, converged };
}

/** v/‖v‖; disposes v. A zero vector stays zero. */
function unit(v: ParamVector): ParamVector {
  const n = norm(v);
  const result = scale(v, n > 0 ? 1 / n : 0);
  tf.dispose(v);
  return result;
}
