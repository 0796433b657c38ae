import type { TrainConfig } from '../../shared/config';
import { learningRateAt, type TrainingPlan } from '../../shared/lr-schedule';
import { temperAt } from '../../shared/temper-schedule';
import type { Point } from './series';

/**
 * λ(t) and lr(t) over a whole run, before it starts, from the same functions training calls
 * (shared/lr-schedule.ts, shared/temper-schedule.ts).
 */

/** The temper λ falls below this fraction of λ0: where the noise stops mattering (method.md §3). */
export const LAMBDA_FLOOR = 1e-3;
const SAMPLES = 400;

/** Training drops the last partial batch (trainer/worker.ts), so an epoch is floor(images / batch) steps. */
export function trainingPlan(config: TrainConfig, datasetTrainImages: number): TrainingPlan | { error: string } {
  const images = Math.min(config.limitTrain ?? Infinity, datasetTrainImages);
  const stepsPerEpoch = Math.floor(images / config.batchSize);
  if (stepsPerEpoch < 1) return { error: `Batch size ${config.batchSize} is larger than the ${images} training images: no full batch to train on` };
  return { stepsPerEpoch, totalSteps: stepsPerEpoch * config.epochs };
}

export const isTempered = (config: TrainConfig) => config.quant.quantizer === 'nt' || config.quant.quantizer === 'nt-pqn';

/** The steps to draw: evenly spread, always including the first and the last. */
function sampleSteps(totalSteps: number): number[] {
  const count = Math.min(SAMPLES, totalSteps + 1);
  return Array.from({ length: count }, (_, i) => Math.round((i * totalSteps) / (count - 1 || 1)));
}

/** The first step where λ/λ0 < LAMBDA_FLOOR (λ only falls, so a binary search); null if it never does. */
export function lambdaFloorStep(config: TrainConfig, plan: TrainingPlan): number | null {
  const { temper } = config.quant;
  if (temper.lambda0 === 0) return 0;
  const below = (step: number) => temperAt(step, temper, plan) / temper.lambda0 < LAMBDA_FLOOR;
  if (!below(plan.totalSteps)) return null;
  let lo = 0;
  let hi = plan.totalSteps;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (below(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface ScheduleCurves {
  lr: Point[];
  /** Null for a quantizer without a temper schedule. */
  lambda: Point[] | null;
  floorStep: number | null;
}

/** Throws the schedule's own error (e.g. a milestone past the end of training) for the caller to show. */
export function scheduleCurves(config: TrainConfig, plan: TrainingPlan): ScheduleCurves {
  const steps = sampleSteps(plan.totalSteps);
  const lr = steps.map((x) => ({ x, y: learningRateAt(x, config.lr, plan) }));
  if (!isTempered(config)) return { lr, lambda: null, floorStep: null };
  const floorStep = lambdaFloorStep(config, plan);
  // The floor step itself is drawn, so the curve and the marker meet.
  const lambdaSteps = floorStep === null ? steps : [...new Set([...steps, floorStep])].sort((a, b) => a - b);
  const lambda = lambdaSteps.map((x) => ({ x, y: temperAt(x, config.quant.temper, plan) }));
  return { lr, lambda, floorStep };
}
