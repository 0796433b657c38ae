import * as tf from '@tensorflow/tfjs-core';
import { type Batch, type BatchSource, createBatchSource } from '../../data/batches';
import type { EvalMetrics } from '../../../shared/metrics';
import { evaluateSums, metricsFromSums } from '../evaluate';
import type { Model } from '../models';
import type { TrainingSession } from '../session';
import { type StepStrategy, type StepTotals, takeRows } from '../step-strategy';
import { train, type TrainHooks } from '../train';
import { Collective, type CollectiveBuffers } from './collective';
import type { ReplicaInit, ReplicaMessage, ReplicaStatus } from './job';
import { hashVariables, modelSize, ReplicaSync } from './replica-sync';
import { rowRange, shardImageSet } from './shards';

/** How a replica talks to the coordinator thread. */
export interface CoordinatorLink {
  post(message: ReplicaMessage): void;
  /** Announces the model size; resolves with the run's shared memory once every replica is ready. */
  join(capacity: number): Promise<CollectiveBuffers>;
}

/**
 * One replica of a synchronous data-parallel run: train() where every step takes this rank's rows
 * of the shared batch and averages gradients with the other replicas before updating, so all
 * replicas hold the same weights. Only rank 0 reports and writes checkpoints.
 */
export async function runReplica(init: ReplicaInit, link: CoordinatorLink): Promise<ReplicaStatus> {
  const { rank, worldSize, job } = init;
  const lead = rank === 0;
  const hooks: TrainHooks = lead
    ? {
        onProgress: (progress) => link.post({ type: 'progress', progress }),
        onEpoch: (metrics) => link.post({ type: 'epoch', metrics }),
        onCheckpoint: (dir, epoch) => link.post({ type: 'checkpoint', dir, epoch }),
      }
    : {};
  const result = await train(
    {
      ...job,
      data: { inputShape: job.train.set.shape, numClasses: job.train.set.numClasses },
      train: createBatchSource(job.train.set, job.train.options),
      test: createBatchSource(shardImageSet(job.test.set, rank, worldSize), job.test.options),
      val: job.val && createBatchSource(shardImageSet(job.val.set, rank, worldSize), job.val.options),
      checkpointDir: lead ? job.checkpointDir : undefined,
    },
    hooks,
    new ReplicaSteps(init, link),
  );
  return result.status;
}

/** The replica's side of train(): its rows, all-reduced gradients and totals, one cancel vote for all. */
class ReplicaSteps implements StepStrategy {
  private collective!: Collective;
  private sync!: ReplicaSync;
  private session!: TrainingSession;
  private stop = false;
  /** Step sizes still to be initialized take their value from each replica's own rows, then rank 0's are broadcast. */
  private lazyInitPending = false;
  /** Buffers averaged since the last step: val after test must not average them again (rounding would drift). */
  private buffersAveraged = false;
  private readonly cancelFlag: Int32Array;

  constructor(
    private readonly init: ReplicaInit,
    private readonly link: CoordinatorLink,
  ) {
    this.cancelFlag = new Int32Array(init.cancel);
  }

  async attach(session: TrainingSession): Promise<void> {
    this.session = session;
    this.collective = new Collective(await this.link.join(modelSize(session.model.store)), this.init.rank, this.init.barrierTimeoutMs);
    this.sync = new ReplicaSync(this.collective, session.model.store);
    session.replica = this.init.rank;
    session.gradientHook = this.sync.averageGradients;
  }

  start(session: TrainingSession): void {
    this.sync.broadcastModel();
    this.stop = this.collective.allReduceSum([this.cancelVote()])[0] > 0;
    this.lazyInitPending = session.model.store.quantizers.some((q) => !q.input.initialized || !q.weight.initialized);
  }

  shouldStop(): boolean {
    return this.stop;
  }

  share(batch: Batch): Batch {
    const size = batch.y.shape[0];
    const [start, end] = rowRange(size, this.init.rank, this.init.worldSize);
    this.sync.gradientWeight = ((end - start) * this.init.worldSize) / size;
    return takeRows(batch, start, end);
  }

  combine(share: StepTotals, shareSize: number, batchSize: number): StepTotals {
    this.buffersAveraged = false;
    if (this.lazyInitPending) {
      this.sync.broadcastModel();
      this.lazyInitPending = false;
    }
    // Every rank votes with the flag it sees; the sum is the same everywhere, so all stop at one step.
    const [lossSum, hits, cancelVotes] = this.collective.allReduceSum([share.loss * shareSize, share.hits, this.cancelVote()]);
    this.stop = cancelVotes > 0;
    const every = this.init.replicaStateEvery;
    if (every > 0 && this.session.step % every === 0) this.reportState();
    return { loss: lossSum / batchSize, hits };
  }

  async evaluate(model: Model, set: BatchSource): Promise<EvalMetrics> {
    if (!this.buffersAveraged) this.sync.averageBuffers();
    this.buffersAveraged = true;
    const sums = await evaluateSums(model, set);
    const [loss, top1, top5, count] = this.collective.allReduceSum([sums.loss, sums.top1, sums.top5, sums.count]);
    return metricsFromSums({ loss, top1, top5, count });
  }

  endEpoch(): void {
    if (this.init.replicaStateEvery > 0) this.reportState();
  }

  private cancelVote(): number {
    return Atomics.load(this.cancelFlag, 0);
  }

  private reportState(): void {
    const trainable = this.session.model.store.trainable.map((p) => p.variable);
    const state = { rank: this.init.rank, step: this.session.step, trainableHash: hashVariables(trainable), numTensors: tf.memory().numTensors };
    this.link.post({ type: 'state', state });
  }
}
