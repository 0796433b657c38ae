import * as tf from '@tensorflow/tfjs-core';
import type { StepInit } from '../../../shared/config';
import { fakeQuant, lsqGradScale, lsqLevels, type QuantLevels } from './fake-quant';
import { mseStep } from './mse-step';
import { syncReadsAvailable } from './sync-reads';
import type {
  QuantizeContext,
  Quantizer,
  QuantizerKind,
  QuantizerOptions,
  QuantStats,
} from './quantizer';

/** Floor for s0 when the init tensor is all zeros (a dead layer): s must start positive. */
export const MIN_INIT_STEP = 1e-6;

/**
 * LSQ (docs/method.md §2): a learnable scalar step size with gradient scale g, hard quantizer in both
 * training and eval. The noisy quantizers (nt, pqn, nt-pqn) extend it and override only
 * `trainingForward`, so init, clamping, stats and eval are the same for all of them.
 */
export class LsqQuantizer implements Quantizer {
  readonly kind: QuantizerKind;
  readonly bits: number;
  readonly signed: boolean;
  readonly target: 'weight' | 'activation';
  readonly step: tf.Variable;
  readonly name: string;
  readonly levels: QuantLevels;
  readonly init: StepInit;
  initialized = false;
  /** [s, Σ|e| inside, count inside, count clipped, levels used] of the last forward with ctx.collectStats, until readStats(). */
  private recorded: { sums: tf.Tensor1D; size: number } | null = null;
  private stats: QuantStats | null = null;

  constructor(options: QuantizerOptions, kind: QuantizerKind = 'lsq') {
    this.kind = kind;
    this.name = options.name;
    assertOptions(options, kind);
    this.bits = options.bits;
    this.signed = options.signed;
    this.target = options.target;
    this.init = options.init ?? 'lsq';
    this.levels = lsqLevels(options.bits, options.signed);
    // tfjs variable names are process-global; two models in one process would clash, so name only our side.
    const initial = tf.scalar(1);
    this.step = tf.variable(initial, true);
    initial.dispose();
  }

  /**
   * Init 'lsq': s0 = 2·mean(|v|)/sqrt(Qp) (docs/method.md §2.1), floored at MIN_INIT_STEP. Where the
   * backend reads synchronously, computed in float64 and rounded to float32 once, and a non-finite v
   * is an error; on WebGPU computed on the device instead (see initOnDevice).
   * Init 'mse': the step of least squared quantization error on v (docs/method.md §2.2, mse-step.ts).
   */
  initFrom(v: tf.Tensor): void {
    this.assertTensor(v, 'initFrom');
    if (this.init === 'mse') this.initMse(v);
    else if (syncReadsAvailable()) this.initOnHost(v);
    else this.initOnDevice(v);
    this.initialized = true;
  }

  /** On WebGPU a non-finite v cannot be reported here: s becomes NaN and the run diverges at once. */
  private initMse(v: tf.Tensor): void {
    tf.tidy(() => this.step.assign(mseStep(v, this.levels, MIN_INIT_STEP)));
    if (syncReadsAvailable() && !Number.isFinite(this.step.dataSync()[0])) {
      throw this.error(`initFrom got non-finite values (init 'mse', shape [${v.shape}])`);
    }
  }

  private initOnHost(v: tf.Tensor): void {
    const meanAbs = tf.tidy(() => tf.mean(tf.abs(v)).dataSync()[0]);
    if (!Number.isFinite(meanAbs)) {
      throw this.error(`initFrom got non-finite values (mean |v| = ${meanAbs})`);
    }
    const s0 = Math.max((2 * meanAbs) / Math.sqrt(this.levels.qp), MIN_INIT_STEP);
    tf.tidy(() => this.step.assign(tf.scalar(s0)));
  }

  /**
   * In float32 on the device, with no readback: it may differ from initOnHost in the last bit, so
   * only backends without synchronous reads use it. A non-finite v cannot be reported here; it
   * makes s NaN, so the first loss is NaN and train() reports the run as diverged.
   */
  private initOnDevice(v: tf.Tensor): void {
    tf.tidy(() => {
      const meanAbs = tf.mean(tf.abs(v));
      const s0 = tf.maximum(tf.div(tf.mul(meanAbs, 2), Math.sqrt(this.levels.qp)), MIN_INIT_STEP);
      this.step.assign(tf.where(tf.isFinite(meanAbs), s0, tf.scalar(NaN)));
    });
  }

  apply(v: tf.Tensor, ctx: QuantizeContext): tf.Tensor {
    this.assertTensor(v, 'apply');
    // Activations take s0 from the first batch; weights are normally initialized by their layer.
    if (!this.initialized) this.initFrom(v);
    if (ctx.collectStats) this.record(v);
    const g = lsqGradScale(v.shape, this.levels.qp, this.target);
    return ctx.training ? this.trainingForward(v, g, ctx) : fakeQuant(v, this.step, this.levels, g);
  }

  /** LSQ trains with the same hard quantizer it deploys. */
  protected trainingForward(v: tf.Tensor, gradScale: number, _ctx: QuantizeContext): tf.Tensor {
    return fakeQuant(v, this.step, this.levels, gradScale);
  }

  clampStep(eps: number): void {
    if (!(eps > 0) || !Number.isFinite(eps)) {
      throw this.error(`clampStep eps must be a positive number, got ${eps}`);
    }
    // No readback: a per-step sync of every step size would stall GPU backends.
    tf.tidy(() => this.step.assign(tf.maximum(this.step, eps)));
  }

  async readStats(): Promise<QuantStats | null> {
    const recorded = this.recorded;
    if (!recorded) return this.stats;
    this.recorded = null;
    try {
      const [step, sumAbsError, insideCount, clippedCount, levelsUsed] = await recorded.sums.data();
      this.stats = {
        step,
        meanAbsError: insideCount > 0 ? sumAbsError / insideCount : 0,
        clipFraction: clippedCount / recorded.size,
        levelsUsed,
      };
    } finally {
      recorded.sums.dispose();
    }
    return this.stats;
  }

  dropStats(): void {
    this.recorded?.sums.dispose();
    this.recorded = null;
  }

  /** Prefix every message like tfjs does: which quantizer, then what was wrong. */
  protected error(message: string): Error {
    return new Error(`Error in ${this.kind} quantizer '${this.name}': ${message}`);
  }

  protected assertContext(ctx: QuantizeContext, maxLambda: number): void {
    if (!(ctx.lambda >= 0 && ctx.lambda <= maxLambda && Number.isFinite(ctx.lambda))) {
      const range = Number.isFinite(maxLambda) ? `in [0, ${maxLambda}]` : 'a finite number ≥ 0';
      throw this.error(`ctx.lambda must be ${range}, got ${ctx.lambda}`);
    }
    if (ctx.noise !== 'uniform' && ctx.noise !== 'gaussian') {
      throw this.error(`ctx.noise must be 'uniform' or 'gaussian', got ${String(ctx.noise)}`);
    }
    if (typeof ctx.nextSeed !== 'function') {
      throw this.error('ctx.nextSeed must be a function returning an integer seed');
    }
  }

  private assertTensor(v: tf.Tensor, where: string): void {
    if (!(v instanceof tf.Tensor)) throw this.error(`${where} expects a tensor, got ${typeof v}`);
    if (v.dtype !== 'float32') throw this.error(`${where} expects float32, got ${v.dtype}`);
    if (v.size === 0) throw this.error(`${where} got an empty tensor of shape [${v.shape}]`);
    if (this.target === 'activation' && v.rank === 0) {
      throw this.error(`${where} expects an activation with a batch axis, got a scalar`);
    }
  }

  /**
   * Per-tensor statistics of docs/method.md §5.4, measured on the deterministic q. Kept on the device
   * (no readback inside the step: WebGPU cannot read synchronously) until readStats().
   */
  private record(v: tf.Tensor): void {
    const { qn, qp } = this.levels;
    this.dropStats();
    const sums = tf.tidy(() => {
      const u = tf.div(v, this.step);
      const clipped = tf.clipByValue(u, -qn, qp);
      const inside = tf.cast(tf.logicalAnd(tf.greater(u, -qn), tf.less(u, qp)), 'float32');
      const absError = tf.abs(tf.sub(tf.round(clipped), clipped));
      // Clipped: the clip moved the value. An element on the bound (a ReLU zero with Qn = 0) is exact, not clipped.
      const moved = tf.cast(tf.logicalOr(tf.less(u, -qn), tf.greater(u, qp)), 'float32');
      return tf.stack([this.step, tf.sum(tf.mul(absError, inside)), tf.sum(inside), tf.sum(moved), levelsUsed(clipped, this.levels)]) as tf.Tensor1D;
    });
    // Inside the training step's tidy: kept until readStats() or dropStats() disposes it.
    this.recorded = { sums: tf.keep(sums), size: v.size };
  }
}

function assertOptions(options: QuantizerOptions, kind: QuantizerKind): void {
  const prefix = `Error in ${kind} quantizer '${options.name}'`;
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new Error(`Error in ${kind} quantizer: name must be a non-empty string`);
  }
  if (!Number.isInteger(options.bits) || options.bits < 2 || options.bits > 8) {
    throw new Error(`${prefix}: bits must be an integer in 2..8, got ${options.bits}`);
  }
  if (options.init !== undefined && options.init !== 'lsq' && options.init !== 'mse') {
    throw new Error(`${prefix}: init must be 'lsq' or 'mse', got ${String(options.init)}`);
  }
  if (typeof options.signed !== 'boolean') {
    throw new Error(`${prefix}: signed must be a boolean, got ${String(options.signed)}`);
  }
  if (options.target !== 'weight' && options.target !== 'activation') {
    throw new Error(
      `${prefix}: target must be 'weight' or 'activation', got ${String(options.target)}`,
    );
  }
}

/** How many of the Qn + Qp + 1 grid levels the codes round(ū) occupy: a histogram of codes, its non-empty bins. */
function levelsUsed(clipped: tf.Tensor, { qn, qp }: QuantLevels): tf.Scalar {
  const codes = tf.cast(tf.add(tf.reshape(tf.round(clipped), [-1]), qn), 'int32') as tf.Tensor1D;
  const histogram = tf.bincount(codes, tf.tensor1d([], 'float32'), qn + qp + 1);
  return tf.sum(tf.cast(tf.greater(histogram, 0), 'float32'));
}
