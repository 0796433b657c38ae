/**
 * What training reports: the numbers the engine produces and the store, the trainer protocol and the
 * API carry. They live here, below every layer, so the store never imports the engine.
 */

/** Per-tensor quantizer statistics (docs/method.md §5.4). */
export interface QuantStats {
  step: number;
  /** Mean |q - ū| over elements inside the clip range, in bins. */
  meanAbsError: number;
  /** Fraction of elements the clip moved: u < -Qn or u > Qp (a value on a bound, e.g. a ReLU zero with Qn = 0, is not clipped). */
  clipFraction: number;
  /**
   * Distinct grid levels (of 2^b) the codes round(ū) occupy in the recorded tensor. Optional:
   * records written before it was measured lack it.
   */
  levelsUsed?: number;
}

export interface LayerStats {
  layer: string;
  weight: QuantStats | null;
  input: QuantStats | null;
}

export interface EvalMetrics {
  loss: number;
  top1: number;
  top5: number;
  count: number;
}

export interface EpochMetrics {
  epoch: number;
  step: number;
  trainLoss: number;
  trainTop1: number;
  test: EvalMetrics;
  /** The same measures on the val split; null when the dataset has none (or on records from before Temper measured it). */
  val: EvalMetrics | null;
  lr: number;
  lambda: number;
  seconds: number;
  imagesPerSec: number;
  /** Quantizer step sizes held at the positivity floor at the end of the epoch. */
  stepsAtFloor: string[];
  layers: LayerStats[];
}

export interface StepProgress {
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  lr: number;
  lambda: number;
  imagesPerSec: number;
}
