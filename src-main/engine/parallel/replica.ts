import * as tf from '@tensorflow/tfjs-core';
import { type Batch, createBatchSource } from '../../data/batches';
import { loadCheckpoint } from '../checkpoint';
import { evaluateSums, metricsFromSums } from '../evaluate';
import { type LayerStats, TrainingSession } from '../session';
import { DivergenceWatch, EpochTally } from '../epoch-tally';
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

/** Rows [start, end) of the batch; the full batch's tensors are disposed. */
function takeRows(batch: Batch, start: number, end: number): Batch {
  if (start === 0 && end === batch.y.shape[0]) return batch;
  const share = { x: tf.slice(batch.x, [start, 0, 0, 0], [end - start, -1, -1, -1]), y: tf.slice(batch.y, [start], [end - start]) };
  tf.dispose([batch.x, batch.y]);
  return share;
}

/**
 * One replica of a synchronous data-parallel run: the loop of train() where every step takes this
 * rank's rows of the shared batch and averages gradients with the other replicas before updating,
 * so all replicas hold the same weights. Only rank 0 reports and writes checkpoints.
 */
export async function runReplica(init: ReplicaInit, link: CoordinatorLink): Promise<ReplicaStatus> {
  const { rank, worldSize, job } = init;
  const { config } = job;
  const progressEvery = job.progressEvery ?? 10;
  const lead = rank === 0;
  const trainSet = createBatchSource(job.train.set, job.train.options);
  const testSet = createBatchSource(shardImageSet(job.test.set, rank, worldSize), job.test.options);
  const data = { inputShape: job.train.set.shape, numClasses: job.train.set.numClasses };
  const session = TrainingSession.create(config, data, trainSet.stepsPerEpoch());
  try {
    const collective = new Collective(await link.join(modelSize(session.model.store)), rank, init.barrierTimeoutMs);
    const sync = new ReplicaSync(collective, session.model.store);
    session.replica = rank;
    session.gradientHook = sync.averageGradients;
    const cancelFlag = new Int32Array(init.cancel);
    // Every rank votes with the flag it sees; the sum is the same everywhere, so all stop at one step.
    const cancelVote = () => Atomics.load(cancelFlag, 0);
    const reportState = () => {
      const trainable = session.model.store.trainable.map((p) => p.variable);
      link.post({ type: 'state', state: { rank, step: session.step, trainableHash: hashVariables(trainable), numTensors: tf.memory().numTensors } });
    };

    if (job.initFrom) session.restore(loadCheckpoint(job.initFrom), 'init-from');
    if (job.resumeFrom) session.restore(loadCheckpoint(job.resumeFrom), 'resume');
    sync.broadcastModel();
    let stop = collective.allReduceSum([cancelVote()])[0] > 0;
    // Activation step sizes still to be initialized take their value from each replica's own rows.
    let lazyInitPending = session.model.store.quantizers.some((q) => !q.input.initialized || !q.weight.initialized);

    const divergence = new DivergenceWatch(session.model.spec.numClasses);
    for (let epoch = session.epoch; epoch < config.epochs; epoch++) {
      const tally = new EpochTally(epoch, progressEvery, divergence);
      let first = true;
      let layers: LayerStats[] = [];
      for await (const batch of trainSet.batches(epoch)) {
        if (stop) {
          tf.dispose([batch.x, batch.y]);
          return 'cancelled';
        }
        const size = batch.y.shape[0];
        const [start, end] = rowRange(size, rank, worldSize);
        const share = takeRows(batch, start, end);
        sync.gradientWeight = ((end - start) * worldSize) / size;
        const lr = session.learningRate();
        const lambda = session.lambda();
        const out = session.trainStep(share, first);
        const [shareLoss, shareHits] = await out.data();
        tf.dispose([out, share.x, share.y]);
        // Read right after the step that recorded them: until then they hold device memory.
        if (first) layers = await session.layerStats();
        first = false;
        if (lazyInitPending) {
          sync.broadcastModel();
          lazyInitPending = false;
        }
        const [batchLossSum, hits, cancelVotes] = collective.allReduceSum([shareLoss * (end - start), shareHits, cancelVote()]);
        stop = cancelVotes > 0;
        const loss = batchLossSum / size;
        tally.addStep(session, loss, hits, size, lr);
        const imagesPerSec = tally.progressRate(session.step);
        if (imagesPerSec !== null && lead) link.post({ type: 'progress', progress: { epoch, step: session.step, totalSteps: session.plan.totalSteps, loss, lr, lambda, imagesPerSec } });
        if (init.replicaStateEvery > 0 && session.step % init.replicaStateEvery === 0) reportState();
      }
      tally.endTraining();
      sync.averageBuffers();
      const lambda = session.lambda();
      const sums = await evaluateSums(session.model, testSet);
      const [testLoss, top1, top5, count] = collective.allReduceSum([sums.loss, sums.top1, sums.top5, sums.count]);
      const test = metricsFromSums({ loss: testLoss, top1, top5, count });
      session.epoch = epoch + 1;
      if (init.replicaStateEvery > 0) reportState();
      if (!lead) continue;
      const metrics = await tally.metrics(session, test, lambda, layers);
      link.post({ type: 'epoch', metrics });
      if (job.checkpointDir) {
        await session.save(job.checkpointDir);
        link.post({ type: 'checkpoint', dir: job.checkpointDir, epoch: epoch + 1 });
      }
    }
    return 'completed';
  } finally {
    session.dispose();
  }
}
