import { describe, expect, it } from 'vitest';
import { epochMetrics, newRun, storePerTest } from './fixtures';

const t = storePerTest();

describe('runs', () => {
  it('stores the validated config and promotes its fields to columns', () => {
    const id = t.store.insertRun(newRun({ model: 'resnet20', seed: 7, quant: { quantizer: 'lsq', bits: 3 } }, { name: 'r20', appVersion: '0.1.0' }));
    const run = t.store.getRun(id)!;
    expect(run).toMatchObject({ id, name: 'r20', model: 'resnet20', dataset: 'fmnist', quantizer: 'lsq', bits: 3, seed: 7, status: 'queued', epochsTotal: 3, epochsDone: 0, appVersion: '0.1.0' });
    expect(run.config.quant.temper.lambda0).toBe(1);
    expect(t.store.getRun(id + 1)).toBeUndefined();
  });

  it('records no bit-width for a full-precision run', () => {
    expect(t.store.getRun(t.store.insertRun(newRun({ quant: { quantizer: 'fp' } })))!.bits).toBeNull();
  });

  it('refuses an invalid config, an unknown dataset, parent or group, naming what is wrong', () => {
    expect(() => t.store.insertRun(newRun({ quant: { bits: 9 } }))).toThrow('quant.bits');
    expect(() => t.store.insertRun(newRun({}, { dataset: 'nope' }))).toThrow("insertRun: dataset 'nope' is not registered");
    expect(() => t.store.insertRun(newRun({}, { parentId: 42 }))).toThrow('insertRun: parent run 42 does not exist');
    expect(() => t.store.insertRun(newRun({}, { groupId: 3 }))).toThrow('insertRun: group 3 does not exist');
  });

  it('goes queued → running → completed, and computes the drop against the FP parent tested on the same images', () => {
    const testSet = { images: 100, hash: '0123456789abcdef' };
    const parent = t.store.insertRun(newRun({ quant: { quantizer: 'fp' } }));
    t.store.markRunning(parent, { backend: 'cpu', device: 'cpu', startedAt: 10 });
    t.store.recordTestSet(parent, testSet);
    t.store.finishRun(parent, { status: 'completed', finalTop1: 0.9, finishedAt: 20 });
    const child = t.store.insertRun(newRun({ quant: { quantizer: 'nt', bits: 4 } }, { parentId: parent }));
    expect(t.store.markRunning(child, { backend: 'wasm', device: 'cpu (8 threads)', startedAt: 30 })).toBe(true);
    expect(t.store.markRunning(child, { backend: 'wasm', device: 'cpu', startedAt: 31 })).toBe(false);
    t.store.recordTestSet(child, testSet);
    t.store.appendEpochMetrics(child, epochMetrics(1, 0.8));
    t.store.appendEpochMetrics(child, epochMetrics(2, 0.85));
    expect(t.store.getRun(child)).toMatchObject({ status: 'running', epochsDone: 2, backend: 'wasm' });
    t.store.finishRun(child, { status: 'completed', finalTop1: 0.84, finishedAt: 40 });
    const done = t.store.getRun(child)!;
    expect(done).toMatchObject({ status: 'completed', startedAt: 30, finishedAt: 40, finalTop1: 0.84, parentId: parent });
    expect(done.deltaVsParent).toBeCloseTo(-0.06, 10);
  });

  it('records a failure with its message', () => {
    const id = t.store.insertRun(newRun());
    t.store.markRunning(id, { backend: 'cpu', device: 'cpu' });
    t.store.finishRun(id, { status: 'failed', error: 'loss became NaN at step 12' });
    expect(t.store.getRun(id)).toMatchObject({ status: 'failed', error: 'loss became NaN at step 12', deltaVsParent: null });
    expect(t.store.updateRunStatus(id, 'queued')).toBe(true);
    expect(t.store.getRun(id)).toMatchObject({ status: 'queued', error: null });
  });

  it('marks running runs with a stale heartbeat interrupted, and leaves fresh ones running', () => {
    const [stale, fresh, queued] = [t.store.insertRun(newRun()), t.store.insertRun(newRun()), t.store.insertRun(newRun())];
    t.store.markRunning(stale, { backend: 'cpu', device: 'cpu', startedAt: 1000 });
    t.store.markRunning(fresh, { backend: 'cpu', device: 'cpu', startedAt: 1000 });
    t.store.heartbeat(fresh, 50_000);
    expect(t.store.markStaleRunsInterrupted(30_000, 60_000)).toEqual([stale]);
    expect(t.store.getRun(stale)).toMatchObject({ status: 'interrupted', error: expect.stringContaining('no heartbeat for 30 s') });
    expect(t.store.getRun(fresh)!.status).toBe('running');
    expect(t.store.getRun(queued)!.status).toBe('queued');
    expect(t.store.heartbeat(stale, 70_000)).toBe(false);
    // An interrupted run can be resumed.
    expect(t.store.markRunning(stale, { backend: 'cpu', device: 'cpu', startedAt: 80_000 })).toBe(true);
    expect(t.store.getRun(stale)).toMatchObject({ status: 'running', startedAt: 1000, heartbeatAt: 80_000, error: null });
  });

  it('deleting a run cascades to its metrics, tags, notes and checkpoints, and unlinks its children', () => {
    const parent = t.store.insertRun(newRun());
    const child = t.store.insertRun(newRun({}, { parentId: parent }));
    t.store.appendEpochMetrics(parent, epochMetrics(1, 0.5, 3));
    t.store.appendStepMetrics(parent, [{ step: 1, loss: 2, lr: 0.1, lambda: 1, imagesPerSec: 10 }]);
    t.store.addTag(parent, 'baseline');
    t.store.addNote(parent, 'first try');
    t.store.addCheckpoint({ runId: parent, epoch: 1, path: '/tmp/ckpt', bytes: 123 });
    expect(t.store.deleteRun(parent)).toBe(true);
    expect(t.store.deleteRun(parent)).toBe(false);
    for (const table of ['epoch_metrics', 'step_metrics', 'layer_stats', 'tags', 'notes', 'checkpoints']) {
      expect(t.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
    expect(t.store.getRun(child)!.parentId).toBeNull();
  });

  it('paginates with the total over all pages, sorted and stable', () => {
    for (let i = 0; i < 23; i++) t.store.insertRun(newRun({ seed: i }, { createdAt: 1000 + (i % 5) }));
    const seen: number[] = [];
    for (let offset = 0; offset < 30; offset += 10) {
      const page = t.store.listRuns({ sort: 'created_at', order: 'desc', limit: 10, offset });
      expect(page.total).toBe(23);
      seen.push(...page.rows.map((r) => r.id));
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const first = t.store.listRuns({ sort: 'seed', order: 'asc', limit: 3 });
    expect(first.rows.map((r) => r.seed)).toEqual([0, 1, 2]);
    expect(t.store.listRuns({ filter: 'seed >= 20', limit: 2 })).toMatchObject({ total: 3 });
    expect(() => t.store.listRuns({ limit: 0 })).toThrow('listRuns: limit must be an integer from 1 to 1000, got 0');
    expect(() => t.store.listRuns({ sort: 'colour' })).toThrow("sort: unknown field 'colour'; fields are id, name");
  });

  it('sorts runs without a value last in either order', () => {
    const [a, b, c] = [t.store.insertRun(newRun()), t.store.insertRun(newRun()), t.store.insertRun(newRun())];
    t.store.appendEpochMetrics(a, epochMetrics(1, 0.5));
    t.store.appendEpochMetrics(c, epochMetrics(1, 0.7));
    expect(t.store.listRuns({ sort: 'best_top1', order: 'desc' }).rows.map((r) => r.id)).toEqual([c, a, b]);
    expect(t.store.listRuns({ sort: 'best_top1', order: 'asc' }).rows.map((r) => r.id)).toEqual([a, c, b]);
  });

  it('keeps tags unique, notes in order and the latest checkpoint', () => {
    const id = t.store.insertRun(newRun());
    t.store.addTag(id, 'baseline');
    t.store.addTag(id, 'baseline');
    t.store.addTag(id, 'paper');
    expect(t.store.tagsOf(id)).toEqual(['baseline', 'paper']);
    expect(t.store.removeTag(id, 'paper')).toBe(true);
    expect(t.store.tagsOf(id)).toEqual(['baseline']);
    t.store.addNote(id, 'one', 1);
    t.store.addNote(id, 'two', 2);
    expect(t.store.notesOf(id).map((n) => n.text)).toEqual(['one', 'two']);
    t.store.addCheckpoint({ runId: id, epoch: 1, path: 'a', bytes: 1 });
    t.store.addCheckpoint({ runId: id, epoch: 2, path: 'b', bytes: 2 });
    t.store.addCheckpoint({ runId: id, epoch: 2, path: 'c', bytes: 3 });
    expect(t.store.checkpointsOf(id).map((c) => c.path)).toEqual(['a', 'c']);
    expect(t.store.latestCheckpoint(id)).toMatchObject({ epoch: 2, path: 'c', bytes: 3 });
    expect(() => t.store.addTag(999, 'x')).toThrow('addTag: run 999 does not exist');
  });

  it('groups the runs of a sweep', () => {
    const group = t.store.insertGroup('bits sweep', { quant: { bits: [2, 3] } }, 5);
    const ids = [2, 3].map((bits) => t.store.insertRun(newRun({ quant: { bits } }, { groupId: group })));
    t.store.insertRun(newRun());
    expect(t.store.getGroup(group)).toEqual({ id: group, name: 'bits sweep', sweep: { quant: { bits: [2, 3] } }, createdAt: 5 });
    expect(t.store.listGroups().map((g) => g.id)).toEqual([group]);
    expect(t.store.listGroupRuns(group).map((r) => r.id)).toEqual(ids);
    expect(t.store.listRuns({ filter: `group = ${group}` }).total).toBe(2);
  });
});
