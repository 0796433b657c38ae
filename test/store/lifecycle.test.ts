import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src-main/store/store';
import { newRun, storeWithDatasets, tempHome } from './fixtures';

const me = { pid: 100, host: 'here' };
const other = { pid: 200, host: 'here' };

describe('the run queue across processes', () => {
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

  it('lets exactly one owner claim a queued run, oldest first', () => {
    const a = store.insertRun(newRun());
    const b = store.insertRun(newRun());
    expect(store.claimNextQueued(me)).toBe(a);
    expect(store.claimRun(a, other)).toBe(false);
    expect(store.claimNextQueued(other)).toBe(b);
    expect(store.claimNextQueued(me)).toBeUndefined();
    expect(store.getRun(a)).toMatchObject({ status: 'running', startedAt: expect.any(Number) });
  });

  it('cancels a queued run at once and flags a running one for its owner only', () => {
    const queued = store.insertRun(newRun());
    const running = store.insertRun(newRun());
    store.claimRun(running, other);
    expect(store.requestCancel(queued)).toBe('cancelled');
    expect(store.getRun(queued)!.status).toBe('cancelled');
    expect(store.requestCancel(running)).toBe('requested');
    expect(store.cancelRequests(me)).toEqual([]);
    expect(store.cancelRequests(other)).toEqual([running]);
    expect(store.requestCancel(queued)).toBe('not-active');
  });

  it('requeues only interrupted or cancelled runs, clearing the cancel request', () => {
    const id = store.insertRun(newRun());
    expect(store.requeueRun(id)).toBe(false);
    store.claimRun(id, me);
    store.requestCancel(id);
    store.finishRun(id, { status: 'cancelled' });
    expect(store.requeueRun(id)).toBe(true);
    expect(store.getRun(id)).toMatchObject({ status: 'queued', error: null, finishedAt: null });
    store.claimRun(id, me);
    expect(store.cancelRequests(me)).toEqual([]);
  });

  it('interrupts the running runs of dead processes on this host, not of live ones or other hosts', () => {
    const dead = store.insertRun(newRun());
    const alive = store.insertRun(newRun());
    const remote = store.insertRun(newRun());
    store.claimRun(dead, me);
    store.claimRun(alive, other);
    store.claimRun(remote, { pid: 100, host: 'elsewhere' });
    expect(store.interruptOrphans('here', (pid) => pid === other.pid)).toEqual([dead]);
    expect(store.getRun(dead)).toMatchObject({ status: 'interrupted', error: 'interrupted: the process training it (pid 100) ended' });
    expect(store.getRun(alive)!.status).toBe('running');
    expect(store.getRun(remote)!.status).toBe('running');
  });

  it('records the backend and device of a claimed run', () => {
    const id = store.insertRun(newRun());
    expect(store.recordBackend(id, 'wasm', 'cpu')).toBe(false);
    store.claimRun(id, me);
    expect(store.recordBackend(id, 'wasm', 'Xeon (2 threads)')).toBe(true);
    expect(store.getRun(id)).toMatchObject({ backend: 'wasm', device: 'Xeon (2 threads)' });
  });
});
