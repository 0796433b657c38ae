import type { TrainConfig } from '../../shared/config';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from '../data/batches';
import type { StepProgress } from '../../shared/metrics';
import { type BestEpoch, bestByValidation } from '../../shared/best-epoch';
import { loadCheckpoint } from './checkpoint';
import type { EvalMetrics } from './evaluate';
import { DivergenceWatch, type EpochMetrics, EpochTally } from './epoch-tally';
import { type DataShape, type LayerStats, TrainingSession } from './session';
import { localSteps, type StepStrategy } from './step-strategy';

export { DivergenceError, type EpochMetrics } from './epoch-tally';
export type { StepProgress } from '../../shared/metrics';

export interface TrainJob {
  config: TrainConfig;
  data: DataShape;
  train: BatchSource;
  test: BatchSource;
  /** The val split, measured after every epoch: what picks the best epoch. Absent when the dataset has none. */
  val?: BatchSource | null;
  /** Written at the end of every epoch; resume reads it back. */
  checkpointDir?: string;
  /** Continue an interrupted run from this checkpoint. */
  resumeFrom?: string;
  /** Start from a parent run's weights (usually full precision). */
  initFrom?: string;
  /** Report progress every this many steps. */
  progressEvery?: number;
  /** Rows per forward/backward pass as chosen for this backend (micro-batch.ts); default config.microBatch. */
  microBatch?: number | null;
}


export interface TrainHooks {
  onProgress?: (progress: StepProgress) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
  onCheckpoint?: (dir: string, epoch: number) => void;
  /** Checked before every step; true stops the run (cancel). */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  status: 'completed' | 'cancelled';
  epochs: EpochMetrics[];
  final: EvalMetrics | null;
  /** The epoch of this call with the best val top-1 (bestOf); null without val metrics. */
  best: BestEpoch | null;
}

/**
 * The whole training loop: epochs of steps, an evaluation and a checkpoint after each epoch.
 * `strategy` says whether this thread trains alone (the default) or as one replica of a
 * data-parallel run (engine/parallel/replica.ts).
 */
export async function train(job: TrainJob, hooks: TrainHooks = {}, strategy: StepStrategy = localSteps(hooks.shouldStop)): Promise<TrainResult> {
  const { config, test: testSet } = job;
  const session = TrainingSession.create(config, job.data, job.train.stepsPerEpoch());
  session.microBatch = job.microBatch === undefined ? config.microBatch : job.microBatch;
  const epochs: EpochMetrics[] = [];
  try {
    await strategy.attach(session);
    if (job.initFrom) session.restore(loadCheckpoint(job.initFrom), 'init-from');
    if (job.resumeFrom) session.restore(loadCheckpoint(job.resumeFrom), 'resume');
    strategy.start(session);
    if (session.epoch >= config.epochs) {
      // Killed after its last checkpoint but before the run was recorded as finished: nothing is
      // left to train, so the checkpoint's weights are evaluated for the final accuracy.
      // Its best is chosen by the store over the epochs recorded before.
      const final = await strategy.evaluate(session.model, testSet);
      return { status: 'completed', epochs, final, best: null };
    }
    const divergence = new DivergenceWatch(session.model.spec.numClasses, session.plan.totalSteps);
    for (let epoch = session.epoch; epoch < config.epochs; epoch++) {
      const tally = new EpochTally(epoch, job.progressEvery ?? 10, divergence);
      const layers = await trainEpoch(job, session, tally, strategy, hooks);
      if (layers === 'cancelled') return { status: 'cancelled', epochs, final: epochs.at(-1)?.test ?? null, best: bestOf(epochs) };
      tally.endTraining();
      const lambda = session.lambda();
      const test = await strategy.evaluate(session.model, testSet);
      const val = job.val ? await strategy.evaluate(session.model, job.val) : null;
      session.epoch = epoch + 1;
      strategy.endEpoch(session);
      const metrics = await tally.metrics(session, { test, val }, lambda, layers);
      epochs.push(metrics);
      hooks.onEpoch?.(metrics);
      if (job.checkpointDir) {
        await session.save(job.checkpointDir);
        hooks.onCheckpoint?.(job.checkpointDir, epoch + 1);
      }
    }
    return { status: 'completed', epochs, final: epochs.at(-1)?.test ?? null, best: bestOf(epochs) };
  } finally {
    session.dispose();
  }
}

/** The steps of one epoch; the per-layer quantizer statistics of its first step, or 'cancelled'. */
async function trainEpoch(job: TrainJob, session: TrainingSession, tally: EpochTally, strategy: StepStrategy, hooks: TrainHooks): Promise<LayerStats[] | 'cancelled'> {
  const epoch = session.epoch;
  let layers: LayerStats[] | null = null;
  for await (const batch of job.train.batches(epoch)) {
    if (strategy.shouldStop()) {
      tf.dispose([batch.x, batch.y]);
      return 'cancelled';
    }
    const size = batch.y.shape[0];
    const share = strategy.share(batch);
    const shareSize = share.y.shape[0];
    const lr = session.learningRate();
    const lambda = session.lambda();
    const out = session.trainStep(share, layers === null);
    const [shareLoss, shareHits] = await out.data();
    tf.dispose([out, share.x, share.y]);
    // Read right after the step that recorded them: until then they hold device memory.
    layers ??= await session.layerStats();
    const { loss, hits } = strategy.combine({ loss: shareLoss, hits: shareHits }, shareSize, size);
    tally.addStep(session, loss, hits, size, lr);
    const imagesPerSec = tally.progressRate(session.step);
    if (imagesPerSec !== null) hooks.onProgress?.({ epoch, step: session.step, totalSteps: session.plan.totalSteps, loss, lr, lambda, imagesPerSec });
  }
  return layers ?? [];
}

/** The epoch with the best validation top-1, with its test top-1; null when the epochs have no val metrics. */
export function bestOf(epochs: EpochMetrics[]): BestEpoch | null {
  return bestByValidation(epochs.map((e) => ({ epoch: e.epoch, valTop1: e.val?.top1 ?? null, testTop1: e.test.top1 }))).best;
}
