import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BundleResult, BundleStatus } from '../../../src-main/services/cluster/bundle';
import { decide, importProgress } from '../../../src-main/services/cluster/bundle-state';
import { openStore, type SqliteStore } from '../../../src-main/store/store';
import { dataset, epochMetrics, newRun, storeWithDatasets, tempHome } from '../../store/fixtures';

const status: BundleStatus = { state: 'running', host: 'node1', pid: 1, backend: 'wasm', device: 'cpu', epoch: 1, step: 3, totalSteps: 10, checkpointEpoch: 1, heartbeatAt: '' };
const result = (patch: Partial<BundleResult>): BundleResult => ({ status: 'completed', finalTop1: 0.5, bestTop1: 0.6, error: null, signal: null, backend: 'wasm', device: 'cpu', finishedAt: '', ...patch });

describe('a cluster run\'s status from Slurm and its bundle', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempHome('temper-bundle-state-');
    fs.writeFileSync(path.join(dir, 'log.txt'), '2026 training on wasm\n2026 epoch 1: train loss 2.3\n');
    fs.writeFileSync(path.join(dir, 'slurm-7_0.out'), 'slurmstepd: error: Detected 1 oom_kill event\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('maps Slurm\'s states, with the reason and the last lines where the run failed', () => {
    expect(decide({ state: 'PENDING', reason: 'Priority' }, undefined, undefined, dir)).toEqual({ status: 'queued', reason: 'Priority' });
    expect(decide({ state: 'RUNNING', reason: 'None' }, undefined, undefined, dir)).toEqual({ status: 'running' });
    expect(decide({ state: 'CONFIGURING', reason: 'None' }, undefined, undefined, dir)).toBeUndefined();
    const oom = decide({ state: 'OUT_OF_MEMORY', reason: 'OutOfMemory' }, undefined, status, dir);
    expect(oom).toMatchObject({ status: 'failed' });
    expect((oom as { error: string }).error).toBe('Slurm: OUT_OF_MEMORY, OutOfMemory\nlast lines:\n2026 training on wasm\n2026 epoch 1: train loss 2.3\nslurmstepd: error: Detected 1 oom_kill event');
    expect(decide({ state: 'NODE_FAIL', reason: 'None' }, undefined, status, dir)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Slurm: NODE_FAIL\n/) });
    expect(decide({ state: 'TIMEOUT', reason: 'TimeLimit' }, undefined, status, dir)).toMatchObject({ status: 'interrupted', error: expect.stringContaining('Slurm: TIMEOUT, TimeLimit') });
    expect(decide({ state: 'FAILED', reason: 'NonZeroExitCode' }, undefined, status, dir)).toMatchObject({ status: 'interrupted', error: expect.stringContaining('ended without a result') });
    expect(decide({ state: 'FAILED', reason: 'NonZeroExitCode' }, undefined, undefined, dir)).toMatchObject({ status: 'failed', error: expect.stringContaining('before training started') });
    expect(decide(undefined, undefined, status, dir)).toMatchObject({ status: 'interrupted', error: expect.stringContaining('Slurm no longer knows the task') });
  });

  it('trusts the bundle\'s result over Slurm\'s state', () => {
    expect(decide({ state: 'RUNNING', reason: 'None' }, result({}), status, dir)).toEqual({ status: 'completed', finalTop1: 0.5 });
    expect(decide(undefined, result({ status: 'failed', error: 'Training diverged' }), status, dir)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Training diverged\nlast lines:/) });
    const stopped = result({ status: 'stopped', signal: 'SIGTERM' });
    expect(decide({ state: 'COMPLETING', reason: 'None' }, stopped, status, dir)).toBeUndefined();
    expect(decide({ state: 'TIMEOUT', reason: 'TimeLimit' }, stopped, status, dir)).toMatchObject({ status: 'interrupted', error: expect.stringContaining('reached its time limit') });
    expect(decide({ state: 'CANCELLED', reason: 'None' }, stopped, status, dir)).toMatchObject({ status: 'interrupted', error: expect.stringContaining('stopped by SIGTERM') });
  });
});

describe('importing a bundle\'s progress from two connections', () => {
  let home: string;
  let bundle: string;
  let a: SqliteStore;
  let b: SqliteStore;
  beforeEach(() => {
    home = tempHome();
    bundle = path.join(home, 'bundle');
    fs.mkdirSync(bundle);
    a = storeWithDatasets(home);
    // Enough training images for the fixture's steps (10 per epoch) to lie within the run's plan.
    a.upsertDataset({ ...dataset('fmnist'), counts: { train: 10_000, test: 100 } });
    b = openStore(home);
  });
  afterEach(() => {
    a.close();
    b.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('imports each whole line once, whichever app reads it, and leaves a half-written line for later', () => {
    const id = a.transaction(() => {
      const runId = a.insertRun(newRun({ epochs: 3 }));
      a.clusters.linkBundle({ runId, bundleId: 'bundle-1', dir: bundle, cluster: 'c', taskIndex: 0 });
      return runId;
    });
    const line = (epoch: number) => `${JSON.stringify(epochMetrics(epoch))}\n`;
    fs.writeFileSync(path.join(bundle, 'epochs.jsonl'), line(1) + line(2).slice(0, 30));
    expect(importProgress(a, id).epochs.map((e) => e.epoch)).toEqual([1]);
    expect(importProgress(b, id).epochs).toEqual([]);
    fs.writeFileSync(path.join(bundle, 'epochs.jsonl'), line(1) + line(2) + line(3));
    expect(importProgress(b, id).epochs.map((e) => e.epoch)).toEqual([2, 3]);
    expect(importProgress(a, id).epochs).toEqual([]);
    expect(a.clusters.bundleOf(id)!.epochsRead).toBe(3);
    expect(a.epochCurves([id])[0].epoch).toEqual([1, 2, 3]);
  });

  it('a cluster run is never claimed by the local queue, nor marked interrupted for a stale heartbeat', () => {
    const id = a.transaction(() => {
      const runId = a.insertRun(newRun());
      a.clusters.linkBundle({ runId, bundleId: 'bundle-2', dir: bundle, cluster: 'c', taskIndex: 0 });
      return runId;
    });
    expect(a.claimNextQueued({ pid: process.pid, host: 'here' })).toBeUndefined();
    a.markRunning(id, { backend: 'wasm', device: 'node1', startedAt: 1 });
    expect(a.markStaleRunsInterrupted(1000)).toEqual([]);
    const local = a.insertRun(newRun());
    expect(a.claimNextQueued({ pid: process.pid, host: 'here' })).toBe(local);
  });
});
