/** Learning-rate schedules: linear warm-up, then constant, cosine or step decay. Shared by training and the New run form's preview. */

export interface LrSchedule {
  kind: 'constant' | 'cosine' | 'step';
  /** Peak learning rate, reached at the end of warm-up. */
  base: number;
  /** Linear warm-up length in epochs (may be fractional); 0 for none. */
  warmupEpochs: number;
  /** For 'step': epochs at which the rate is multiplied by gamma, strictly increasing. */
  milestones?: number[];
  /** For 'step': the factor applied at each milestone, in (0, 1]; default 0.1. */
  gamma?: number;
  /** For 'cosine': the floor reached at the last step, in [0, base]; default 0. */
  minLr?: number;
}

export interface TrainingPlan {
  totalSteps: number;
  stepsPerEpoch: number;
}

/** `step` schedule's factor per milestone and `cosine` schedule's floor, where the config leaves them out. */
export const DEFAULT_GAMMA = 0.1;
export const DEFAULT_MIN_LR = 0;

/** Warm-up is a whole number of steps, so the rate never overshoots base on a fractional epoch. */
function warmupStepsOf(schedule: LrSchedule, plan: TrainingPlan): number {
  return Math.round(schedule.warmupEpochs * plan.stepsPerEpoch);
}

function fail(message: string): never {
  throw new Error(`lr schedule: ${message}`);
}

/** Throws an error naming the offending field; call once when a run's config is checked. */
export function validateLrSchedule(schedule: LrSchedule, plan: TrainingPlan): void {
  const { totalSteps, stepsPerEpoch } = plan;
  if (!Number.isInteger(totalSteps) || totalSteps < 1) fail(`totalSteps must be an integer ≥ 1, got ${totalSteps}`);
  if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1) {
    fail(`stepsPerEpoch must be an integer ≥ 1, got ${stepsPerEpoch}`);
  }
  const totalEpochs = totalSteps / stepsPerEpoch;

  if (!['constant', 'cosine', 'step'].includes(schedule.kind)) {
    fail(`kind must be 'constant', 'cosine' or 'step', got '${String(schedule.kind)}'`);
  }
  if (!Number.isFinite(schedule.base) || schedule.base < 0) {
    fail(`base must be a finite learning rate ≥ 0, got ${schedule.base}`);
  }
  const { warmupEpochs } = schedule;
  if (!Number.isFinite(warmupEpochs) || warmupEpochs < 0) fail(`warmupEpochs must be ≥ 0, got ${warmupEpochs}`);
  if (warmupStepsOf(schedule, plan) > totalSteps) {
    fail(`warmupEpochs (${warmupEpochs}) is longer than training (${totalEpochs} epochs)`);
  }

  if (schedule.kind === 'cosine') {
    const minLr = schedule.minLr ?? DEFAULT_MIN_LR;
    if (!Number.isFinite(minLr) || minLr < 0 || minLr > schedule.base) {
      fail(`minLr must be in [0, base = ${schedule.base}], got ${minLr}`);
    }
  }

  if (schedule.kind === 'step') {
    const gamma = schedule.gamma ?? DEFAULT_GAMMA;
    if (!Number.isFinite(gamma) || gamma <= 0 || gamma > 1) fail(`gamma must be in (0, 1], got ${gamma}`);
    const { milestones } = schedule;
    if (!Array.isArray(milestones)) fail(`milestones (epochs) are required for kind 'step'`);
    milestones.forEach((epoch, i) => {
      if (!Number.isFinite(epoch) || epoch <= 0) fail(`milestones[${i}] must be an epoch > 0, got ${epoch}`);
      if (i > 0 && epoch <= milestones[i - 1]) {
        fail(`milestones must be strictly increasing, but milestones[${i}] (${epoch}) ≤ milestones[${i - 1}] (${milestones[i - 1]})`);
      }
      if (epoch > totalEpochs) fail(`milestones[${i}] (${epoch}) is past the end of training (${totalEpochs} epochs)`);
    });
  }
}

/**
 * The learning rate for optimizer step `step` (0-based; `totalSteps` itself is allowed, for plots).
 * Warm-up is linear and reaches base at its last step, so step 0 trains with base / warmupSteps.
 * Cosine: minLr + (base - minLr)·(1 + cos(π·p))/2, p the fraction of post-warm-up steps done.
 * Step: base · gamma^(milestones reached), a milestone counting from its first step.
 */
export function learningRateAt(step: number, schedule: LrSchedule, plan: TrainingPlan): number {
  validateLrSchedule(schedule, plan);
  if (!Number.isInteger(step) || step < 0 || step > plan.totalSteps) {
    fail(`step must be an integer in [0, totalSteps = ${plan.totalSteps}], got ${step}`);
  }
  const warmupSteps = warmupStepsOf(schedule, plan);
  const warmupFactor = step < warmupSteps ? (step + 1) / warmupSteps : 1;

  switch (schedule.kind) {
    case 'constant':
      return schedule.base * warmupFactor;
    case 'cosine': {
      if (step < warmupSteps) return schedule.base * warmupFactor;
      const minLr = schedule.minLr ?? DEFAULT_MIN_LR;
      const decaySteps = plan.totalSteps - warmupSteps;
      const progress = decaySteps > 0 ? (step - warmupSteps) / decaySteps : 1;
      return minLr + ((schedule.base - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
    case 'step': {
      const epoch = step / plan.stepsPerEpoch;
      const reached = (schedule.milestones ?? []).filter((m) => epoch >= m).length;
      return schedule.base * (schedule.gamma ?? DEFAULT_GAMMA) ** reached * warmupFactor;
    }
  }
}
