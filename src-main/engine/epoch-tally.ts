import type { EpochMetrics, EvalMetrics, LayerStats } from '../../shared/metrics';
import type { TrainingSession } from './session';

export type { EpochMetrics } from '../../shared/metrics';


export class DivergenceError extends Error {}

/** A loss this many times ln(numClasses) (a uniform guess) is far past anything training recovers from. */
export const DIVERGED_LOSS_FACTOR = 100;
/** Steps in a row above that bound before a finite loss counts as diverged (one bad batch is not). */
export const DIVERGED_STEPS = 5;
/**
 * A loss this many times ln(numClasses) fails the run at the step it appears: a cross-entropy of
 * 23,000 (10 classes) means logits thousands apart, weights blown up, not a bad batch.
 */
export const EXPLODED_LOSS_FACTOR = 10_000;

/**
 * Fails a run whose loss is NaN or infinite, or above EXPLODED_LOSS_FACTOR × ln(numClasses), at once;
 * or above DIVERGED_LOSS_FACTOR × ln(numClasses) for DIVERGED_STEPS steps in a row, or for every
 * step after the first of a run too short to have that many (lr 1e9 gives a loss of 1e8 at chance
 * accuracy, not always NaN). One per run, across epochs.
 */
export class DivergenceWatch {
  private readonly bound: number;
  private readonly explodedBound: number;
  /** DIVERGED_STEPS, or fewer in a short run: the first step's loss comes before any update. */
  private readonly streakLimit: number;
  private streak = 0;

  constructor(
    numClasses: number,
    private readonly totalSteps: number,
  ) {
    this.bound = DIVERGED_LOSS_FACTOR * Math.log(numClasses);
    this.explodedBound = EXPLODED_LOSS_FACTOR * Math.log(numClasses);
    this.streakLimit = Math.max(1, Math.min(DIVERGED_STEPS, totalSteps - 1));
  }

  check(loss: number, epoch: number, step: number, lr: number): void {
    const where = `Training diverged at epoch ${epoch + 1}, step ${step}`;
    const advice = `(lr ${lr.toPrecision(3)}); try a lower learning rate`;
    if (!Number.isFinite(loss)) throw new DivergenceError(`${where}: the loss is ${loss} ${advice}`);
    if (loss > this.explodedBound) {
      throw new DivergenceError(`${where}: the loss is ${loss.toPrecision(3)}, above ${this.explodedBound.toPrecision(3)} (${EXPLODED_LOSS_FACTOR} × ln(classes)) ${advice}`);
    }
    this.streak = loss > this.bound ? this.streak + 1 : 0;
    if (this.streak >= this.streakLimit) {
      const limit = this.streakLimit;
      const steps = `${limit === 1 ? '1 step' : `${limit} steps in a row`}${limit < DIVERGED_STEPS ? ` (of ${this.totalSteps} in the run)` : ''}`;
      throw new DivergenceError(
        `${where}: the loss was above ${this.bound.toPrecision(3)} (${DIVERGED_LOSS_FACTOR} × ln(classes)) for ${steps}, now ${loss.toPrecision(3)} ${advice}`,
      );
    }
  }
}

/**
 * The running totals of one training epoch, shared by train() and every replica of trainParallel():
 * loss and accuracy over the images seen, throughput for progress reports, the divergence check.
 */
export class EpochTally {
  private readonly started = performance.now();
  private trainingSeconds: number | null = null;
  private lossSum = 0;
  private correct = 0;
  private seen = 0;
  private windowStart = this.started;
  private windowImages = 0;

  constructor(
    private readonly epoch: number,
    private readonly progressEvery: number,
    private readonly divergence: DivergenceWatch,
  ) {}

  /** One step over `size` images with mean loss `loss`; a diverged loss fails the run. */
  addStep(session: TrainingSession, loss: number, hits: number, size: number, lr: number): void {
    this.divergence.check(loss, this.epoch, session.step, lr);
    this.lossSum += loss * size;
    this.correct += hits;
    this.seen += size;
    this.windowImages += size;
  }

  /** Images/s since the last report when this step is due one (every progressEvery steps), else null. */
  progressRate(step: number): number | null {
    if (step % this.progressEvery !== 0) return null;
    const now = performance.now();
    const rate = (this.windowImages * 1000) / Math.max(1e-9, now - this.windowStart);
    this.windowStart = now;
    this.windowImages = 0;
    return rate;
  }

  /** Stops the clock at the end of the training steps, before evaluation. */
  endTraining(): void {
    this.trainingSeconds = (performance.now() - this.started) / 1000;
  }

  /** The epoch's metrics; call after endTraining() and the evaluation, with session.epoch advanced. */
  async metrics(session: TrainingSession, evaluated: { test: EvalMetrics; val: EvalMetrics | null }, lambda: number, layers: LayerStats[]): Promise<EpochMetrics> {
    const seconds = this.trainingSeconds ?? (performance.now() - this.started) / 1000;
    return {
      epoch: this.epoch + 1,
      step: session.step,
      trainLoss: this.lossSum / this.seen,
      trainTop1: this.correct / this.seen,
      test: evaluated.test,
      val: evaluated.val,
      lr: session.learningRate(),
      lambda,
      seconds,
      imagesPerSec: this.seen / seconds,
      stepsAtFloor: await session.stepsAtFloor(),
      layers,
    };
  }
}
