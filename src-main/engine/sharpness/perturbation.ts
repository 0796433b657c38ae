import { evaluate } from '../evaluate';
import type { Model } from '../models';
import type { Rng } from '../../../shared/rng';
import { disposeDirection, filterNormalizedDirection, WeightMover, weightVariables } from './directions';
import { noPace, type Pace } from './pace';
import type { SubsetTensors } from './subset';

export interface PerturbationSharpness {
  /** Mean and largest of L(ŵ(w + ρd)) − L(ŵ(w)) over the directions. */
  mean: number;
  max: number;
  /** L(ŵ(w)): the unperturbed loss. */
  base: number;
  radius: number;
  directions: number;
}

/**
 * Perturbation sharpness (method.md §5.2): the loss increase of the quantized deployment forward
 * (evaluate) when the latent weights move by ρ along `directions` filter-normalized random
 * directions. The weights are restored exactly afterwards, also on error or cancel.
 */
export async function perturbationSharpness(
  model: Model,
  subset: SubsetTensors,
  options: { directions: number; radius: number },
  rng: Rng,
  pace: Pace = noPace,
): Promise<PerturbationSharpness> {
  const { directions, radius } = options;
  if (!Number.isInteger(directions) || directions < 1) throw new Error(`Error in perturbationSharpness: directions must be a positive integer, got ${directions}`);
  if (!(radius > 0)) throw new Error(`Error in perturbationSharpness: radius must be positive, got ${radius}`);
  const base = (await evaluate(model, subset.source())).loss;
  await pace('perturb');
  const mover = new WeightMover(weightVariables(model));
  const increases: number[] = [];
  try {
    for (let k = 0; k < directions; k++) {
      const direction = filterNormalizedDirection(model, rng.nextSeed());
      try {
        mover.moveTo([{ coefficient: radius, direction }]);
        increases.push((await evaluate(model, subset.source())).loss - base);
      } finally {
        mover.restore();
        disposeDirection(direction);
      }
      await pace('perturb');
    }
  } finally {
    mover.dispose();
  }
  const mean = increases.reduce((a, b) => a + b, 0) / increases.length;
  return { mean, max: Math.max(...increases), base, radius, directions };
}
