/** The temper schedule λ_t = λ0·exp(-t/τ) of method.md §3, global to the model: shared, so the New run form draws the curve training uses. */
export interface TemperSchedule {
  /** λ at step 0 (method.md §3 default: 1). */
  lambda0: number;
  /** Decay constant as a fraction of total training steps. */
  tau: number;
  /** Fraction of training from which λ = 0, or null to let it decay only. */
  noiseOffAt: number | null;
  /** 'epoch' holds λ constant within an epoch: t = floor(step/stepsPerEpoch)·stepsPerEpoch. */
  unit: 'step' | 'epoch';
}

export interface TrainingPlan {
  totalSteps: number;
  stepsPerEpoch: number;
}

/** The default τ's rule: λ/λ0 = ratio at the fraction `at` of training, i.e. exp(−at/τ) = ratio. */
export const TAU_RULE = { ratio: 1e-3, at: 0.75 } as const;

export const DEFAULT_TEMPER_SCHEDULE: TemperSchedule = {
  lambda0: 1,
  tau: TAU_RULE.at / Math.log(1 / TAU_RULE.ratio),
  noiseOffAt: null,
  unit: 'step',
};

/** λ_t for an optimizer step (method.md §3). */
export function temperAt(step: number, schedule: TemperSchedule, plan: TrainingPlan): number {
  assertTemperArgs(step, schedule, plan);
  const t =
    schedule.unit === 'epoch'
      ? Math.floor(step / plan.stepsPerEpoch) * plan.stepsPerEpoch
      : step;
  const progress = t / plan.totalSteps;
  if (schedule.noiseOffAt !== null && progress >= schedule.noiseOffAt) return 0;
  return schedule.lambda0 * Math.exp(-progress / schedule.tau);
}

function assertTemperArgs(step: number, schedule: TemperSchedule, plan: TrainingPlan): void {
  const fail = (message: string): never => {
    throw new Error(`Error in temperAt: ${message}`);
  };
  if (!Number.isInteger(step) || step < 0) {
    fail(`step must be a non-negative integer, got ${step}`);
  }
  if (!Number.isInteger(plan.totalSteps) || plan.totalSteps < 1) {
    fail(`plan.totalSteps must be a positive integer, got ${plan.totalSteps}`);
  }
  if (!Number.isInteger(plan.stepsPerEpoch) || plan.stepsPerEpoch < 1) {
    fail(`plan.stepsPerEpoch must be a positive integer, got ${plan.stepsPerEpoch}`);
  }
  if (!Number.isFinite(schedule.lambda0) || schedule.lambda0 < 0) {
    fail(`schedule.lambda0 must be a finite number ≥ 0, got ${schedule.lambda0}`);
  }
  if (!Number.isFinite(schedule.tau) || schedule.tau <= 0) {
    fail(`schedule.tau must be a positive fraction of training, got ${schedule.tau}`);
  }
  const off = schedule.noiseOffAt;
  if (off !== null && !(Number.isFinite(off) && off >= 0 && off <= 1)) {
    fail(`schedule.noiseOffAt must be null or a fraction in [0, 1], got ${off}`);
  }
  if (schedule.unit !== 'step' && schedule.unit !== 'epoch') {
    fail(`schedule.unit must be 'step' or 'epoch', got ${String(schedule.unit)}`);
  }
}
