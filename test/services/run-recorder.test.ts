import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TemperEvent } from '../../shared/api';
import { RunRecorder } from '../../src-main/services/run-recorder';
import type { SqliteStore } from '../../src-main/store/store';
import { epochMetrics, newRun, storeWithDatasets, tempHome } from '../store/fixtures';

/** RunRecorder on a real SQLite store: pool events in, rows and app events out. */
let home: string;
let store: SqliteStore;
let events: TemperEvent[];
let stopped: number[];
let recorder: RunRecorder;

beforeEach(() => {
  home = tempHome('temper-recorder-');
  store = storeWithDatasets(home);
  events = [];
  stopped = [];
  recorder = new RunRecorder(home, store, (e) => events.push(e), (id) => stopped.push(id));
});

afterEach(() => {
  recorder.close();
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const progress = (step: number) => ({ epoch: 1, step, totalSteps: 3, loss: 2 - step / 10, lr: 0.1, lambda: 1, imagesPerSec: 100 });

describe('RunRecorder', () => {
  it('writes a run from started to done and tells its waiter', async () => {
    const id = store.insertRun(newRun());
    store.claimRun(id, { pid: process.pid, host: 'here' });
    const seen: number[] = [];
    const summary = recorder.track(id, (p) => seen.push(p.step));
    const key = `run:${id}`;
    recorder.record(id, { type: 'started', key, backend: 'wasm', device: 'cpu' });
    [1, 2, 3].forEach((step) => recorder.record(id, { type: 'progress', key, progress: progress(step) }));
    expect(store.stepMetrics(id)).toHaveLength(0); // batched until the epoch or the flush
    recorder.record(id, { type: 'epoch', key, metrics: epochMetrics(1, 0.5) });
    recorder.record(id, { type: 'checkpoint', key, dir: '/tmp/x', epoch: 1, bytes: 10 });
    recorder.record(id, { type: 'done', key, status: 'completed', finalTop1: 0.55, finalLoss: 1, bestTop1: 0.55 });

    // The best is the recorded epoch's (chosen on validation), not the worker's report.
    expect(await summary).toMatchObject({ id, status: 'completed', final: { testTop1: 0.55 }, best: { testTop1: 0.5, epoch: 1 }, bestUnavailable: null });
    expect(seen).toEqual([1, 2, 3]);
    expect(store.stepMetrics(id).map((p) => p.step)).toEqual([1, 2, 3]);
    expect(store.getRun(id)).toMatchObject({ status: 'completed', backend: 'wasm', finalTop1: 0.55 });
    expect(store.checkpointsOf(id)).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['run-progress', 'run-progress', 'run-progress', 'run-epoch', 'run-status']);
    expect(recorder.busy).toBe(false);
  });

  it('keeps the best-validation epoch over recorded epochs, with its test top-1, and the last epoch as final when a run is cancelled', async () => {
    const id = store.insertRun(newRun());
    const summary = recorder.track(id);
    const key = `run:${id}`;
    // Epoch 1 has the best test top-1, epoch 2 the best validation top-1: epoch 2 is the best.
    recorder.record(id, { type: 'epoch', key, metrics: epochMetrics(1, 0.6, 0, 0.5) });
    recorder.record(id, { type: 'epoch', key, metrics: epochMetrics(2, 0.4, 0, 0.55) });
    recorder.record(id, { type: 'epoch', key, metrics: epochMetrics(3, 0.45, 0, 0.52) });
    recorder.record(id, { type: 'done', key, status: 'cancelled', finalTop1: null, finalLoss: null, bestTop1: 0.6 });
    expect(await summary).toMatchObject({ status: 'cancelled', final: { testTop1: 0.45 }, best: { testTop1: 0.4, epoch: 2 }, bestUnavailable: null });
  });

  it('reports no best, with the reason, for a run on a dataset without a val split', async () => {
    const id = store.insertRun(newRun());
    const summary = recorder.track(id);
    const key = `run:${id}`;
    recorder.record(id, { type: 'epoch', key, metrics: epochMetrics(1, 0.6, 0, null) });
    recorder.record(id, { type: 'epoch', key, metrics: epochMetrics(2, 0.4, 0, null) });
    recorder.record(id, { type: 'done', key, status: 'completed', finalTop1: 0.4, finalLoss: 1, bestTop1: null });
    expect(await summary).toMatchObject({ status: 'completed', final: { testTop1: 0.4 }, best: null, bestUnavailable: 'no validation split' });
    expect(store.getRun(id)).toMatchObject({ bestTop1: null, bestEpoch: null, bestUnavailable: 'no validation split', finalTop1: 0.4 });
  });

  it('stops a run whose writes fail and reports why, without a stored end', async () => {
    const id = store.insertRun(newRun());
    const summary = recorder.track(id);
    const key = `run:${id}`;
    store.db.pragma('query_only = ON'); // every write now throws, as on a full disk
    recorder.record(id, { type: 'epoch', key, metrics: epochMetrics(1) });
    expect(stopped).toEqual([id]);
    recorder.record(id, { type: 'done', key, status: 'cancelled', finalTop1: null, finalLoss: null, bestTop1: null });
    const ended = await summary;
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatch(/read ?only|readonly/i);
    store.db.pragma('query_only = OFF');
    expect(store.getRun(id)?.status).toBe('queued');
  });
});
