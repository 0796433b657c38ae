import { evaluate } from '../evaluate';
import type { Model } from '../models';
import type { Rng } from '../../../shared/rng';
import { disposeDirection, filterNormalizedDirection, WeightMover, weightVariables, type WeightDirection } from './directions';
import { noPace, type Pace } from './pace';
import type { SubsetTensors } from './subset';

export interface LossLandscape {
  /** L(ŵ(w + α·d)) and top-1 along one filter-normalized direction d. */
  alphas: number[];
  loss: number[];
  top1: number[];
  /** With twoD: loss[i][j] and top1[i][j] at w + alphas[i]·d + betas[j]·e (d as above, e a second direction). */
  grid2d?: { alphas: number[]; betas: number[]; loss: number[][]; top1: number[][] };
}

export interface LandscapeOptions {
  points: number;
  span: number;
  twoD: boolean;
  points2d: number;
}

/** `points` values evenly spaced over [-span, span], both ends included. */
export function grid(points: number, span: number): number[] {
  // One division per point, so α = 0.3 prints as 0.3 rather than 0.30000000000000004.
  return Array.from({ length: points }, (_, i) => (span * (2 * i - (points - 1))) / (points - 1));
}

/**
 * The loss landscape of method.md §5.3 under the quantized deployment forward (evaluate), along one
 * or two filter-normalized directions. The weights are restored exactly afterwards.
 */
export async function lossLandscape(model: Model, subset: SubsetTensors, options: LandscapeOptions, rng: Rng, pace: Pace = noPace): Promise<LossLandscape> {
  const { points, span, twoD, points2d } = options;
  if (!Number.isInteger(points) || points < 2) throw new Error(`Error in lossLandscape: points must be an integer ≥ 2, got ${points}`);
  if (!(span > 0)) throw new Error(`Error in lossLandscape: span must be positive, got ${span}`);
  if (twoD && (!Number.isInteger(points2d) || points2d < 2)) throw new Error(`Error in lossLandscape: points2d must be an integer ≥ 2, got ${points2d}`);
  const mover = new WeightMover(weightVariables(model));
  const first = filterNormalizedDirection(model, rng.nextSeed());
  const second = twoD ? filterNormalizedDirection(model, rng.nextSeed()) : null;
  const at = async (alpha: number, beta: number) => {
    const steps: { coefficient: number; direction: WeightDirection }[] = [{ coefficient: alpha, direction: first }];
    if (second) steps.push({ coefficient: beta, direction: second });
    mover.moveTo(steps);
    const { loss, top1 } = await evaluate(model, subset.source());
    await pace('landscape');
    return { loss, top1 };
  };
  try {
    const alphas = grid(points, span);
    const line = [];
    for (const alpha of alphas) line.push(await at(alpha, 0));
    const result: LossLandscape = { alphas, loss: line.map((p) => p.loss), top1: line.map((p) => p.top1) };
    if (second) {
      const axis = grid(points2d, span);
      const rows = [];
      for (const alpha of axis) {
        const row = [];
        for (const beta of axis) row.push(await at(alpha, beta));
        rows.push(row);
      }
      result.grid2d = { alphas: axis, betas: axis, loss: rows.map((r) => r.map((p) => p.loss)), top1: rows.map((r) => r.map((p) => p.top1)) };
    }
    return result;
  } finally {
    mover.dispose();
    disposeDirection(first);
    if (second) disposeDirection(second);
  }
}
