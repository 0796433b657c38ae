import * as tf from '@tensorflow/tfjs-core';
import type { EvalMetrics } from '../../shared/metrics';
import type { Batch, BatchSource } from '../data/batches';
import { evaluate } from './evaluate';
import type { Model } from './models';
import type { TrainingSession } from './session';

/** One step's mean loss and correct predictions, over the rows this thread trained or the whole batch. */
export interface StepTotals {
  loss: number;
  hits: number;
}

/**
 * What differs between training alone and as one replica of a data-parallel run; train() is the
 * loop for both. Alone: the whole batch, local gradients, the caller's cancel flag. As a replica:
 * its rows of the batch, gradients all-reduced, a cancel vote every replica agrees on.
 */
export interface StepStrategy {
  /** After the session is built, before any checkpoint is restored (a replica joins the others here). */
  attach(session: TrainingSession): Promise<void>;
  /** After the checkpoint is restored, before the first step. */
  start(session: TrainingSession): void;
  /** Checked before every step: true stops the run (cancelled). */
  shouldStop(): boolean;
  /** The rows of `batch` this thread trains; the batch's tensors are its to dispose. */
  share(batch: Batch): Batch;
  /** The whole batch's mean loss and hits from this thread's, after the step. */
  combine(share: StepTotals, shareSize: number, batchSize: number): StepTotals;
  /** Metrics over a whole evaluation set, test or val (after the epoch's last step). */
  evaluate(model: Model, set: BatchSource): Promise<EvalMetrics>;
  /** After the epoch's evaluation, with session.epoch advanced. */
  endEpoch(session: TrainingSession): void;
}

/** Training alone on this thread: every row, local gradients, `shouldStop` from the caller. */
export function localSteps(shouldStop: () => boolean = () => false): StepStrategy {
  return {
    attach: async () => {},
    start: () => {},
    shouldStop,
    share: (batch) => batch,
    combine: (share) => share,
    evaluate,
    endEpoch: () => {},
  };
}

/** Rows [start, end) of the batch; the full batch's tensors are disposed. */
export function takeRows(batch: Batch, start: number, end: number): Batch {
  if (start === 0 && end === batch.y.shape[0]) return batch;
  const share = { x: tf.slice(batch.x, [start, 0, 0, 0], [end - start, -1, -1, -1]), y: tf.slice(batch.y, [start], [end - start]) };
  tf.dispose([batch.x, batch.y]);
  return share;
}
