import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src-main/store/store';
import { epochMetrics, newRun, storeWithDatasets, tempHome } from './fixtures';

let home: string;
let store: SqliteStore;
beforeEach(() => {
  home = tempHome();
  store = storeWithDatasets(home);
});
afterEach(() => {
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('runs', () => {
  it('stores the validated config and promotes its fields to columns', () => {
    const id = store.insertRun(newRun({ model: 'resnet20', seed: 7, quant: { quantizer: 'lsq', bits: 3 } }, { name: 'r20', appVersion: '0.1.0' }));
    const run = store.getRun(id)!;
    expect(run).toMatchObject({ id, name: 'r20', model: 'resnet20', dataset: 'fmnist', quantizer: 'lsq', bits: 3, seed: 7, status: 'queued', epochsTotal: 3, epochsDone: 0, appVersion: '0.1.0' });
    expect(run.config.quant.temper.lambda0).toBe(1);
    expect(store.getRun(id + 1)).toBeUndefined();
  });

  it('records no bit-width for a full-precision run', () => {
    expect(store.getRun(store.insertRun(newRun({ quant: { quantizer: 'fp' } })))!.bits).toBeNull();
  });

  it('refuses an invalid config, an unknown dataset, parent or group, naming what is wrong', () => {
    expect(() => store.insertRun(newRun({ quant: { bits: 9 } }))).toThrow('quant.bits');
    expect(() => store.insertRun(newRun({}, { dataset: 'nope' }))).toThrow("insertRun: dataset 'nope' is not registered");
    expect(() => store.insertRun(newRun({}, { parentId: 42 }))).toThrow('insertRun: parent run 42 does not exist');
    expect(() => store.insertRun(newRun({}, { groupId: 3 }))).toThrow('insertRun: group 3 does not exist');
  });

  it('goes queued → running → completed, and computes the drop against the FP parent', () => {
    const parent = store.insertRun(newRun({ quant: { quantizer: 'fp' } }));
    store.markRunning(parent, { backend: 'cpu', device: 'cpu', startedAt: 10 });
    store.finishRun(parent, { status: 'completed', finalTop1: 0.9, bestTop1: 0.92, finishedAt: 20 });
    const child = store.insertRun(newRun({ quant: { quantizer: 'nt', bits: 4 } }, { parentId: parent }));
    expect(store.markRunning(child, { backend: 'wasm', device: 'cpu (8 threads)', startedAt: 30 })).toBe(true);
    expect(store.markRunning(child, { backend: 'wasm', device: 'cpu', startedAt: 31 })).toBe(false);
    store.appendEpochMetrics(child, epochMetrics(1, 0.8));
    store.appendEpochMetrics(child, epochMetrics(2, 0.85));
    expect(store.getRun(child)).toMatchObject({ status: 'running', epochsDone: 2, bestTop1: 0.85, backend: 'wasm' });
    store.finishRun(child, { status: 'completed', finalTop1: 0.84, bestTop1: 0.85, finishedAt: 40 });
    const done = store.getRun(child)!;
    expect(done).toMatchObject({ status: 'completed', startedAt: 30, finishedAt: 40, finalTop1: 0.84, parentId: parent });
    expect(done.dropVsParent).toBeCloseTo(0.06, 10);
  });

  it('records a failure with its message', () => {
    const id = store.insertRun(newRun());
    store.markRunning(id, { backend: 'cpu', device: 'cpu' });
    store.finishRun(id, { status: 'failed', error: 'loss became NaN at step 12' });
    expect(store.getRun(id)).toMatchObject({ status: 'failed', error: 'loss became NaN at step 12', dropVsParent: null });
    expect(store.updateRunStatus(id, 'queued')).toBe(true);
    expect(store.getRun(id)).toMatchObject({ status: 'queued', error: null });
  });

  it('marks running runs with a stale heartbeat interrupted, and leaves fresh ones running', () => {
    const [stale, fresh, queued] = [store.insertRun(newRun()), store.insertRun(newRun()), store.insertRun(newRun())];
    store.markRunning(stale, { backend: 'cpu', device: 'cpu', startedAt: 1000 });
    store.markRunning(fresh, { backend: 'cpu', device: 'cpu', startedAt: 1000 });
    store.heartbeat(fresh, 50_000);
    expect(store.markStaleRunsInterrupted(30_000, 60_000)).toEqual([stale]);
    expect(store.getRun(stale)).toMatchObject({ status: 'interrupted', error: expect.stringContaining('no heartbeat for 30 s') });
    expect(store.getRun(fresh)!.status).toBe('running');
    expect(store.getRun(queued)!.status).toBe('queued');
    expect(store.heartbeat(stale, 70_000)).toBe(false);
    // An interrupted run can be resumed.
    expect(store.markRunning(stale, { backend: 'cpu', device: 'cpu', startedAt: 80_000 })).toBe(true);
    expect(store.getRun(stale)).toMatchObject({ status: 'running', startedAt: 1000, heartbeatAt: 80_000, error: null });
  });

  it('deleting a run cascades to its metrics, tags, notes and checkpoints, and unlinks its children', () => {
    const parent = store.insertRun(newRun());
    const child = store.insertRun(newRun({}, { parentId: parent }));
    store.appendEpochMetrics(parent, epochMetrics(1, 0.5, 3));
    store.appendStepMetrics(parent, [{ step: 1, loss: 2, lr: 0.1, lambda: 1, imagesPerSec: 10 }]);
    store.addTag(parent, 'baseline');
    store.addNote(parent, 'first try');
    store.addCheckpoint({ runId: parent, epoch: 1, path: '/tmp/ckpt', bytes: 123 });
    expect(store.deleteRun(parent)).toBe(true);
    expect(store.deleteRun(parent)).toBe(false);
    for (const table of ['epoch_metrics', 'step_metrics', 'layer_stats', 'tags', 'notes', 'checkpoints']) {
      expect(store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
    expect(store.getRun(child)!.parentId).toBeNull();
  });

  it('paginates with the total over all pages, sorted and stable', () => {
    for (let i = 0; i < 23; i++) store.insertRun(newRun({ seed: i }, { createdAt: 1000 + (i % 5) }));
    const seen: number[] = [];
    for (let offset = 0; offset < 30; offset += 10) {
      const page = store.listRuns({ sort: 'created_at', order: 'desc', limit: 10, offset });
      expect(page.total).toBe(23);
      seen.push(...page.rows.map((r) => r.id));
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const first = store.listRuns({ sort: 'seed', order: 'asc', limit: 3 });
    expect(first.rows.map((r) => r.seed)).toEqual([0, 1, 2]);
    expect(store.listRuns({ filter: 'seed >= 20', limit: 2 })).toMatchObject({ total: 3 });
    expect(() => store.listRuns({ limit: 0 })).toThrow('listRuns: limit must be an integer from 1 to 1000, got 0');
    expect(() => store.listRuns({ sort: 'colour' })).toThrow("sort: unknown field 'colour'; fields are id, name");
  });

  it('sorts runs without a value last in either order', () => {
    const [a, b, c] = [store.insertRun(newRun()), store.insertRun(newRun()), store.insertRun(newRun())];
    store.finishRun(a, { status: 'completed', finalTop1: 0.5, bestTop1: 0.5 });
    store.finishRun(c, { status: 'completed', finalTop1: 0.7, bestTop1: 0.7 });
    expect(store.listRuns({ sort: 'best_top1', order: 'desc' }).rows.map((r) => r.id)).toEqual([c, a, b]);
    expect(store.listRuns({ sort: 'best_top1', order: 'asc' }).rows.map((r) => r.id)).toEqual([a, c, b]);
  });

  it('keeps tags unique, notes in order and the latest checkpoint', () => {
    const id = store.insertRun(newRun());
    store.addTag(id, 'baseline');
    store.addTag(id, 'baseline');
    store.addTag(id, 'paper');
    expect(store.tagsOf(id)).toEqual(['baseline', 'paper']);
    expect(store.removeTag(id, 'paper')).toBe(true);
    expect(store.tagsOf(id)).toEqual(['baseline']);
    store.addNote(id, 'one', 1);
    store.addNote(id, 'two', 2);
    expect(store.notesOf(id).map((n) => n.text)).toEqual(['one', 'two']);
    store.addCheckpoint({ runId: id, epoch: 1, path: 'a', bytes: 1 });
    store.addCheckpoint({ runId: id, epoch: 2, path: 'b', bytes: 2 });
    store.addCheckpoint({ runId: id, epoch: 2, path: 'c', bytes: 3 });
    expect(store.checkpointsOf(id).map((c) => c.path)).toEqual(['a', 'c']);
    expect(store.latestCheckpoint(id)).toMatchObject({ epoch: 2, path: 'c', bytes: 3 });
    expect(() => store.addTag(999, 'x')).toThrow('addTag: run 999 does not exist');
  });

  it('groups the runs of a sweep', () => {
    const group = store.insertGroup('bits sweep', { quant: { bits: [2, 3] } }, 5);
    const ids = [2, 3].map((bits) => store.insertRun(newRun({ quant: { bits } }, { groupId: group })));
    store.insertRun(newRun());
    expect(store.getGroup(group)).toEqual({ id: group, name: 'bits sweep', sweep: { quant: { bits: [2, 3] } }, createdAt: 5 });
    expect(store.listGroups().map((g) => g.id)).toEqual([group]);
    expect(store.listGroupRuns(group).map((r) => r.id)).toEqual(ids);
    expect(store.listRuns({ filter: `group = ${group}` }).total).toBe(2);
  });
});
