import * as tf from '@tensorflow/tfjs-core';
import './gradients';
import type { TrainConfig } from '../../shared/config';
import type { Batch } from '../data/batches';
import { explainBackendFailure } from './backend';
import { type Checkpoint, restoreModel, saveCheckpoint } from './checkpoint';
import { learningRateAt } from '../../shared/lr-schedule';
import { buildModel, type InputShape, type Model } from './models';
import { createOptimizer, type Optimizer } from './optim';
import type { QuantizeContext } from './quantizers/quantizer';
import type { LayerStats } from '../../shared/metrics';

export type { LayerStats } from '../../shared/metrics';
import { Rng } from '../../shared/rng';
import { temperAt } from '../../shared/temper-schedule';


/**
 * Micro-batches: a step's rows trained in slices of at most `micro` rows, the slices' gradients
 * summed (each weighted by its share of the rows) before one optimizer update. Batch norm sees each
 * slice alone: its statistics are per micro-batch, and its running averages move once per slice.
 */
export function microBatchRanges(rows: number, micro: number | null): [start: number, size: number][] {
  const size = micro === null || micro >= rows ? rows : micro;
  const ranges: [number, number][] = [];
  for (let start = 0; start < rows; start += size) ranges.push([start, Math.min(size, rows - start)]);
  return ranges;
}

export interface DataShape {
  inputShape: InputShape;
  numClasses: number;
}

/**
 * A model with its optimizer, step counter and noise stream: everything one training step
 * needs, and everything a checkpoint must hold to continue exactly.
 */
export class TrainingSession {
  step = 0;
  epoch = 0;
  /**
   * Data-parallel training only: replaces the gradients between variableGrads and the update
   * (with their average over replicas). Tensors it returns are disposed with the step's.
   */
  gradientHook?: (grads: tf.NamedTensorMap) => tf.NamedTensorMap;
  /** Data-parallel training only: this replica's index; replicas other than 0 draw their own noise. */
  replica = 0;
  /** Rows per forward/backward pass, or null for the whole batch (engine/micro-batch.ts). */
  microBatch: number | null = null;

  private constructor(
    readonly config: TrainConfig,
    readonly model: Model,
    readonly optimizer: Optimizer,
    private noiseRng: Rng,
    readonly plan: { totalSteps: number; stepsPerEpoch: number },
  ) {}

  static create(config: TrainConfig, data: DataShape, stepsPerEpoch: number): TrainingSession {
    const rng = new Rng(config.seed);
    const initRng = rng.fork('init');
    const model = buildModel({ name: config.model, ...data, quant: config.quant }, () => initRng.nextSeed());
    const optimizer = createOptimizer(model.store.trainable, config.optimizer);
    const plan = { totalSteps: config.epochs * stepsPerEpoch, stepsPerEpoch };
    return new TrainingSession(config, model, optimizer, rng.fork('noise'), plan);
  }

  learningRate(): number {
    return learningRateAt(this.step, this.config.lr, this.plan);
  }

  lambda(): number {
    const { quantizer, temper } = this.config.quant;
    return quantizer === 'nt' || quantizer === 'nt-pqn' ? temperAt(this.step, temper, this.plan) : 0;
  }

  private context(collectStats: boolean): QuantizeContext {
    return { training: true, lambda: this.lambda(), noise: this.config.quant.noise, nextSeed: () => this.nextNoiseSeed(), collectStats };
  }

  /**
   * Every replica advances the one saved noise stream alike, so a checkpoint resumes all of them;
   * replicas other than 0 fork each seed by their index to draw independent noise.
   */
  private nextNoiseSeed(): number {
    const seed = this.noiseRng.nextSeed();
    return this.replica === 0 ? seed : new Rng(seed).fork(`replica-${this.replica}`).nextSeed();
  }

  /**
   * One optimizer step. Returns [loss, correct predictions] as a tensor the caller reads and disposes,
   * so the backend can run ahead until the value is needed. With micro-batches, each slice's loss is
   * weighted by its share of the rows, so the summed gradient is the batch mean's.
   */
  trainStep(batch: Batch, collectStats = false): tf.Tensor1D {
    const rows = batch.y.shape[0];
    const lr = this.learningRate();
    const slices = microBatchRanges(rows, this.microBatch);
    const result = this.explainingFailures(batch, () => {
      let sum: { totals: tf.Tensor1D; grads: tf.NamedTensorMap } | null = null;
      for (const [start, size] of slices) {
        const part = this.sliceGradients(batch, start, size, rows, collectStats && start === 0);
        if (sum === null) {
          sum = part;
          continue;
        }
        const before: typeof sum = sum;
        sum = tf.tidy(() => ({
          totals: tf.add(before.totals, part.totals) as tf.Tensor1D,
          grads: Object.fromEntries(Object.entries(part.grads).map(([name, g]) => [name, tf.add(before.grads[name], g)])),
        }));
        tf.dispose([before.totals, part.totals, ...Object.values(before.grads), ...Object.values(part.grads)]);
      }
      const { totals, grads } = sum!;
      tf.tidy(() => this.optimizer.applyGradients(this.gradientHook ? this.gradientHook(grads) : grads, lr));
      tf.dispose(Object.values(grads));
      return totals;
    });
    const eps = this.config.quant.stepEpsilon;
    for (const q of this.model.store.quantizers) {
      q.input.clampStep(eps);
      q.weight.clampStep(eps);
    }
    this.step++;
    return result;
  }

  /** Gradients of rows [start, start + size) of the batch, and their [weighted loss, correct predictions]. */
  private sliceGradients(batch: Batch, start: number, size: number, rows: number, collectStats: boolean): { totals: tf.Tensor1D; grads: tf.NamedTensorMap } {
    const { model, config } = this;
    const ctx = this.context(collectStats);
    const vars = model.store.trainable.map((p) => p.variable);
    let correct: tf.Tensor | null = null;
    const result = tf.tidy(() => {
      const whole = size === rows;
      const x = whole ? batch.x : tf.slice(batch.x, [start, 0, 0, 0], [size, -1, -1, -1]);
      const y = whole ? batch.y : tf.slice(batch.y, [start], [size]);
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(x, ctx);
        // variableGrads disposes everything f made but the loss; keep the accuracy count.
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')));
        const onehot = tf.oneHot(y, model.spec.numClasses);
        const loss = tf.losses.softmaxCrossEntropy(onehot, logits, undefined, config.labelSmoothing) as tf.Scalar;
        return whole ? loss : tf.mul(loss, size / rows);
      }, vars);
      return { totals: tf.stack([value, correct!]) as tf.Tensor1D, grads };
    });
    (correct as tf.Tensor | null)?.dispose();
    return result;
  }

  private explainingFailures<T>(batch: Batch, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw explainBackendFailure(error, `training ${this.config.model} at batch ${batch.x.shape[0]}`);
    }
  }

  /** Step sizes held at the positivity floor right now: learning is pushing them below zero. */
  async stepsAtFloor(): Promise<string[]> {
    // The floor is stored in float32; compare against that value, not the float64 setting.
    const eps = Math.fround(this.config.quant.stepEpsilon);
    const steps = this.model.store.trainable.filter((p) => p.role === 'step');
    if (steps.length === 0) return [];
    // One readback for all of them.
    const stacked = tf.stack(steps.map((p) => p.variable));
    try {
      const values = await stacked.data();
      return steps.filter((_, i) => values[i] <= eps).map((p) => p.name);
    } finally {
      stacked.dispose();
    }
  }

  /** Statistics recorded by the last trainStep(batch, true), read from the device. */
  layerStats(): Promise<LayerStats[]> {
    return Promise.all(
      this.model.store.quantizers.map(async ({ layer, weight, input }) => ({ layer, weight: await weight.readStats(), input: await input.readStats() })),
    );
  }

  async save(dir: string): Promise<void> {
    const slots = this.optimizer.getSlots();
    try {
      await saveCheckpoint(dir, {
        model: this.model,
        optimizerSlots: slots,
        progress: { epoch: this.epoch, step: this.step, noiseRng: this.noiseRng.getState(), microBatch: this.microBatch },
        extra: { config: this.config },
      });
    } finally {
      Object.values(slots).forEach((t) => t.dispose());
    }
  }

  /** 'resume' continues where the checkpoint stopped; 'init-from' starts from its weights at step 0. */
  restore(checkpoint: Checkpoint, mode: 'resume' | 'init-from'): void {
    restoreModel(this.model, checkpoint, mode);
    if (mode === 'init-from') return;
    const saved = [...checkpoint.tensors].filter(([, t]) => t.group === 'optimizer');
    this.optimizer.setSlots(Object.fromEntries(saved));
    const { progress } = checkpoint.manifest;
    this.epoch = progress.epoch;
    this.step = progress.step;
    this.noiseRng = Rng.fromState(progress.noiseRng);
    // Batch norm sees a slice: a resumed run keeps the slices it trained with.
    if (progress.microBatch !== undefined) this.microBatch = progress.microBatch;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.store.dispose();
  }
}
