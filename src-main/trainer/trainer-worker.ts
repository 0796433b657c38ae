/**
 * Trainer worker thread: loads tfjs once, then runs the jobs the pool sends (training runs and
 * sharpness measurements), one at a time, reporting progress, epochs and checkpoints as messages. Cancel is cooperative (a shared flag
 * read before every step): a GPU readback must never be cut off by terminating the thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendChoice } from '../../shared/config';
import { defaultAugmentFor } from '../data/augment';
import { type BatchOptions, createBatchSource } from '../data/batches';
import { releaseBackend, selectBackend, setModelThreads, settleBackendWork } from '../engine/backend';
import { microBatchForRun } from '../engine/micro-batch';
import { loadCheckpoint } from '../engine/checkpoint';
import { trainParallel } from '../engine/parallel/train-parallel';
import { TrainingSession } from '../engine/session';
import { computeSharpness, selectSubset } from '../engine/sharpness';
import { train, type TrainHooks, type TrainResult } from '../engine/train';
import type { FromWorker, SharpnessJob, ToWorker, TrainJob } from './protocol';
import { runImages, sharpnessPool } from './run-images';

if (!parentPort) throw new Error('trainer/worker.ts is a worker-thread entry; start it with TrainerPool');
const port = parentPort;
const post = (message: FromWorker) => port.postMessage(message);

function folderBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
}

async function runTrain(job: TrainJob, cancel: Int32Array): Promise<TrainResult> {
  const { config, key } = job;
  const backend = await selectBackend(job.backend);
  // The subsets depend on the dataset and the limits only, never on the seed: every run is tested on the same images.
  const images = runImages(job.home, job.dataset, config);
  const trainSet = images.train.set;
  const testSet = images.test.set;
  const valSet = images.val?.set ?? null;
  // The wasm backend runs one thread per worker: data parallelism is how a run uses every core.
  // oneDNN threads inside the model instead, with the same number of threads.
  const threads = Math.min(job.threads, config.batchSize);
  const rows = Math.ceil(config.batchSize / (backend.name === 'wasm' ? threads : 1));
  const data = { inputShape: trainSet.shape, numClasses: trainSet.numClasses };
  // A run resumed after its last checkpoint has nothing to train: train() evaluates it on this thread.
  const trained = job.resumeFrom !== undefined && loadCheckpoint(job.resumeFrom).manifest.progress.epoch >= config.epochs;
  const microBatch = trained ? null : await microBatchForRun(config, data, rows, backend.name, job.resumeFrom);
  const device = backend.device + (microBatch === null ? '' : `; micro-batches of ${microBatch} rows`);
  post({ type: 'started', key, backend: backend.name, device, testSet: images.test.identity });
  const trainOptions: BatchOptions = { batchSize: config.batchSize, shuffle: true, seed: config.seed, dropLast: true, augment: defaultAugmentFor(job.format) };
  const testOptions: BatchOptions = { batchSize: 256, shuffle: false, seed: 0, dropLast: false };
  const hooks: TrainHooks = {
    onProgress: (progress) => post({ type: 'progress', key, progress }),
    onEpoch: (metrics) => post({ type: 'epoch', key, metrics }),
    onCheckpoint: (dir, epoch) => post({ type: 'checkpoint', key, dir, epoch, bytes: folderBytes(dir) }),
    shouldStop: () => Atomics.load(cancel, 0) === 1,
  };
  const common = { config, checkpointDir: job.checkpointDir, initFrom: job.initFrom, resumeFrom: job.resumeFrom, progressEvery: job.progressEvery, microBatch };
  await setModelThreads(job.threads);
  if (backend.name === 'wasm' && threads > 1 && !trained) {
    const val = valSet && { set: valSet, options: testOptions };
    return trainParallel({ ...common, train: { set: trainSet, options: trainOptions }, test: { set: testSet, options: testOptions }, val }, hooks, { workers: threads });
  }
  const val = valSet && createBatchSource(valSet, testOptions);
  return train({ ...common, data, train: createBatchSource(trainSet, trainOptions), test: createBatchSource(testSet, testOptions), val }, hooks);
}

/** Sharpness of the run's checkpointed weights on a seeded subset of the images it trained on (or of held-out ones). */
async function runSharpness(job: SharpnessJob, cancel: Int32Array): Promise<FromWorker> {
  const { key } = job;
  const backend = await selectBackend(job.backend);
  post({ type: 'started', key, backend: backend.name, device: backend.device });
  const pool = sharpnessPool(job.home, job.dataset, job.config, job.params.source);
  const subset = selectSubset(pool.set, job.params.images, job.params.seed);
  const session = TrainingSession.create(job.config, { inputShape: pool.set.shape, numClasses: pool.set.numClasses }, 1);
  try {
    session.restore(loadCheckpoint(job.checkpointDir), 'resume');
    const result = await computeSharpness(session.model, subset, job.params, {
      onProgress: (done, total, what, unit) => post({ type: 'sharpness-progress', key, done, total, what, unitDone: unit.done, unitTotal: unit.total }),
      shouldStop: () => Atomics.load(cancel, 0) === 1,
    }, { threads: backend.name === 'wasm' ? job.threads : 1 });
    const { status, images, seconds, trace, eigen, perturb, landscape, hvpFallback } = result;
    return { type: 'sharpness-done', key, status, result: { images, seconds, trace, eigen, perturb, landscape, hvpFallback, source: pool.source } };
  } finally {
    session.dispose();
  }
}

async function runJob(message: Extract<ToWorker, { type: 'job' }>): Promise<FromWorker> {
  const { job } = message;
  const cancel = new Int32Array(message.cancel);
  if (job.kind === 'sharpness') return runSharpness(job, cancel);
  const result = await runTrain(job, cancel);
  return { type: 'done', key: job.key, status: result.status, finalTop1: result.final?.top1 ?? null, finalLoss: result.final?.loss ?? null, bestTop1: result.best?.testTop1 ?? null };
}

/**
 * Every job ends with the GPU idle: a WebGPU readback still pending when the thread ends aborts the
 * whole process (Dawn's mapAsync assertion), so the pool may end this thread only after the answer.
 */
async function answer(message: Extract<ToWorker, { type: 'job' }>): Promise<FromWorker> {
  let reply: FromWorker;
  try {
    reply = await runJob(message);
  } catch (error) {
    const { job } = message;
    const full = (error as { code?: string }).code === 'ENOSPC';
    // A full disk stops the run where it is; its last checkpoint is whole (checkpoints are written atomically).
    const text = full ? `no space left on the disk holding ${job.checkpointDir}: free some space, then resume the run` : error instanceof Error ? error.message : String(error);
    reply = { type: 'failed', key: job.key, message: text };
  }
  await settleBackendWork().catch(() => {});
  return reply;
}

const { backend } = workerData as { backend: BackendChoice };
/** The backend loads once, at start; jobs and shutdown wait for it: two selections at once would race over tfjs's global backend. */
const started = selectBackend(backend).then(
  (info) => post({ type: 'ready', backend: info.name, device: info.device }),
  (error: unknown) => post({ type: 'ready', backend: 'none', device: error instanceof Error ? error.message : String(error) }),
);

const onMessage = (message: ToWorker) => {
  if (message.type === 'job') {
    void started.then(() => answer(message)).then(post);
    return;
  }
  // Shutdown: free the GPU device (Dawn keeps the thread alive while it holds one), then end.
  void started
    .then(() => releaseBackend())
    .catch(() => {})
    .finally(() => {
      port.off('message', onMessage);
      port.close();
    });
};
port.on('message', onMessage);

