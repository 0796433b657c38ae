import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../../../shared/config';
import { type BatchOptions, createBatchSource } from '../../../src-main/data/batches';
import { selectBackend } from '../../../src-main/engine/backend';
import type { ParallelTrainJob, ReplicaState } from '../../../src-main/engine/parallel/job';
import { trainParallel } from '../../../src-main/engine/parallel/train-parallel';
import { type StepProgress, train } from '../../../src-main/engine/train';
import { gratings } from '../../helpers/gratings';

const trainSet = gratings(480, 1, 16);
const testSet = gratings(200, 2, 16);
const trainOptions: BatchOptions = { batchSize: 32, shuffle: true, seed: 5, dropLast: true };
const testOptions: BatchOptions = { batchSize: 100, shuffle: false, seed: 0, dropLast: false };

function job(overrides: Partial<TrainConfigInput> = {}): ParallelTrainJob {
  const config = parseTrainConfig({
    model: 'mlp',
    quant: { quantizer: 'nt', bits: 4 },
    epochs: 2,
    batchSize: 32,
    lr: { kind: 'constant', base: 0.05 },
    seed: 3,
    backend: 'wasm',
    ...overrides,
  });
  return { config, train: { set: trainSet, options: trainOptions }, test: { set: testSet, options: testOptions }, progressEvery: 1 };
}

describe('trainParallel with 2 workers', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('keeps replicas bit-identical, learns, leaks no tensors, and follows the single-process loss curve', async () => {
    const parallelJob = job();
    const states: ReplicaState[] = [];
    const parallelLoss: StepProgress[] = [];
    const result = await trainParallel(parallelJob, { onProgress: (p) => parallelLoss.push(p) }, { workers: 2, onReplicaState: (s) => states.push(s), replicaStateEvery: 1 });

    const singleLoss: StepProgress[] = [];
    const single = await train(
      {
        config: parallelJob.config,
        data: { inputShape: trainSet.shape, numClasses: 10 },
        train: createBatchSource(trainSet, trainOptions),
        test: createBatchSource(testSet, testOptions),
        progressEvery: 1,
      },
      { onProgress: (p) => singleLoss.push(p) },
    );

    expect(result.status).toBe('completed');
    expect(result.epochs).toHaveLength(2);
    expect(result.final!.count).toBe(testSet.labels.length);
    expect(result.final!.top1).toBeGreaterThan(0.5);

    // Every step, both replicas hold exactly the same weights; the tensor count stays flat.
    const steps = 2 * (trainSet.labels.length / 32);
    for (const rank of [0, 1]) {
      const mine = states.filter((s) => s.rank === rank);
      expect(mine.map((s) => s.step)).toContain(steps);
      expect(new Set(mine.slice(2).map((s) => s.numTensors)).size).toBe(1);
    }
    for (let step = 1; step <= steps; step++) {
      const hashes = states.filter((s) => s.step === step).map((s) => s.trainableHash);
      expect(new Set(hashes).size, `step ${step}`).toBe(1);
    }

    // Close to one process with the same global batch, not equal: batch norm sees half batches.
    expect(parallelLoss.map((p) => p.step)).toEqual(singleLoss.map((p) => p.step));
    const gap = parallelLoss.reduce((sum, p, i) => sum + Math.abs(p.loss - singleLoss[i].loss), 0) / parallelLoss.length;
    expect(gap).toBeLessThan(0.3);
    expect(Math.abs(result.final!.top1 - single.final!.top1)).toBeLessThan(0.1);
  });

  it('resumes from a checkpoint exactly where the uninterrupted run would be', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-parallel-'));
    const afterEpochOne = path.join(dir, 'epoch-1');
    const full = await trainParallel({ ...job(), checkpointDir: path.join(dir, 'run') }, {
      onCheckpoint: (checkpoint, epoch) => {
        if (epoch === 1) fs.cpSync(checkpoint, afterEpochOne, { recursive: true });
      },
    }, { workers: 2 });
    const resumed = await trainParallel({ ...job(), resumeFrom: afterEpochOne }, {}, { workers: 2 });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([2]);
    expect(resumed.epochs[0].trainLoss).toBe(full.epochs[1].trainLoss);
    expect(resumed.final).toEqual(full.final);
  });

  it('with one worker reproduces train() exactly', async () => {
    const oneJob = job({ epochs: 1 });
    const parallelLoss: number[] = [];
    const result = await trainParallel(oneJob, { onProgress: (p) => parallelLoss.push(p.loss) }, { workers: 1 });
    const singleLoss: number[] = [];
    const single = await train(
      { config: oneJob.config, data: { inputShape: trainSet.shape, numClasses: 10 }, train: createBatchSource(trainSet, trainOptions), test: createBatchSource(testSet, testOptions), progressEvery: 1 },
      { onProgress: (p) => singleLoss.push(p.loss) },
    );
    expect(parallelLoss).toEqual(singleLoss);
    expect(result.final).toEqual(single.final);
  });

  it('matches one process step for step when both halves of every batch are the same images', async () => {
    // Then each half has the full batch's batch-norm statistics, and the mean of the two half-batch
    // gradients is the full-batch gradient: only float rounding may differ.
    const half = 16;
    const source = gratings(half * 8, 4, 16);
    const pixels = 16 * 16;
    const images = new Uint8Array(source.images.length * 2);
    const labels = new Uint8Array(source.labels.length * 2);
    for (let b = 0; b < 8; b++) {
      const block = source.images.subarray(b * half * pixels, (b + 1) * half * pixels);
      images.set(block, 2 * b * half * pixels);
      images.set(block, (2 * b + 1) * half * pixels);
      labels.set(source.labels.subarray(b * half, (b + 1) * half), 2 * b * half);
      labels.set(source.labels.subarray(b * half, (b + 1) * half), (2 * b + 1) * half);
    }
    const doubled = { ...source, images, labels };
    const inOrder: BatchOptions = { batchSize: 2 * half, shuffle: false, seed: 0, dropLast: true };
    const base = job({ quant: { quantizer: 'fp' }, epochs: 1 });
    const parallelJob: ParallelTrainJob = { ...base, train: { set: doubled, options: inOrder } };
    const parallelLoss: number[] = [];
    await trainParallel(parallelJob, { onProgress: (p) => parallelLoss.push(p.loss) }, { workers: 2 });
    const singleLoss: number[] = [];
    await train(
      { config: base.config, data: { inputShape: doubled.shape, numClasses: 10 }, train: createBatchSource(doubled, inOrder), test: createBatchSource(testSet, testOptions), progressEvery: 1 },
      { onProgress: (p) => singleLoss.push(p.loss) },
    );
    expect(parallelLoss).toHaveLength(8);
    parallelLoss.forEach((loss, i) => expect(loss).toBeCloseTo(singleLoss[i], 3));
  });
});
