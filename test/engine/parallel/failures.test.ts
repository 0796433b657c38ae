import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ModelName, parseTrainConfig } from '../../../shared/config';
import type { BatchOptions } from '../../../src-main/data/batches';
import type { ParallelTrainJob, ReplicaState } from '../../../src-main/engine/parallel/job';
import { trainParallel } from '../../../src-main/engine/parallel/train-parallel';
import { DivergenceError } from '../../../src-main/engine/train';
import { gratings } from '../../helpers/gratings';

const trainSet = gratings(320, 1, 16);
const testSet = gratings(100, 2, 16);
const trainOptions: BatchOptions = { batchSize: 32, shuffle: true, seed: 5, dropLast: true };
const testOptions: BatchOptions = { batchSize: 100, shuffle: false, seed: 0, dropLast: false };

function job(epochs = 2): ParallelTrainJob {
  const config = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'nt', bits: 4 }, epochs, batchSize: 32, seed: 3 });
  return { config, train: { set: trainSet, options: trainOptions }, test: { set: testSet, options: testOptions }, progressEvery: 1 };
}

/** OS threads of this process (Linux): back to the count before a run once its workers are gone. */
const threadCount = () => fs.readdirSync('/proc/self/task').length;
const linux = fs.existsSync('/proc/self/task');

describe('trainParallel failures and cancel', () => {
  it('rejects with the worker error when a bad config reaches the workers, leaving no threads', async () => {
    await fs.promises.stat('.'); // starts libuv's thread pool, which would otherwise appear mid-test
    const before = linux ? threadCount() : 0;
    const bad = job();
    bad.config = { ...bad.config, model: 'nope' as ModelName };
    await expect(trainParallel(bad, {}, { workers: 2 })).rejects.toThrow(/Unknown model 'nope'/);
    if (linux) expect(threadCount()).toBe(before);
  });

  it('rejects with the failing replica error, not the knock-on failure of the replica left waiting', async () => {
    // Only rank 0 writes checkpoints, so rank 1 goes on to the next epoch and waits at a barrier.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-parallel-')), 'a-file');
    fs.writeFileSync(file, '');
    const failing = { ...job(), checkpointDir: path.join(file, 'checkpoint') };
    const before = linux ? threadCount() : 0;
    const error = await trainParallel(failing, {}, { workers: 2 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/ENOTDIR/);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    expect(error?.message).not.toMatch(/another replica failed/);
    if (linux) expect(threadCount()).toBe(before);
  });

  it('cancels both replicas at the same step', async () => {
    let progress = 0;
    const states: ReplicaState[] = [];
    const result = await trainParallel(job(3), { onProgress: () => progress++, shouldStop: () => progress >= 3 }, { workers: 2, onReplicaState: (s) => states.push(s), replicaStateEvery: 1 });
    expect(result.status).toBe('cancelled');
    const lastStep = (rank: number) => Math.max(...states.filter((s) => s.rank === rank).map((s) => s.step));
    expect(lastStep(0)).toBe(lastStep(1));
    expect(lastStep(0)).toBeGreaterThanOrEqual(3);
    expect(lastStep(0)).toBeLessThan(3 * 10);
  });

  it('rejects a batch smaller than the number of workers before starting any', async () => {
    const tiny = { ...job(), train: { set: trainSet, options: { ...trainOptions, batchSize: 2 } } };
    await expect(trainParallel(tiny, {}, { workers: 3 })).rejects.toThrow(/batch size 2 is smaller than the 3 workers/);
  });

  it('fails a 4-step run at lr 1e9 as diverged on every replica, though it is too short for the streak', async () => {
    const short = job();
    short.config = { ...short.config, lr: { ...short.config.lr, base: 1e9 } };
    short.train = { set: gratings(64, 1, 16), options: trainOptions };
    const error = await trainParallel(short, {}, { workers: 2 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(DivergenceError);
    expect(error?.message).toMatch(/^Training diverged at epoch 1, step 2: the loss is [\d.e+]+, above 2\.30e\+4 \(10000 × ln\(classes\)\)/);
  });
});
