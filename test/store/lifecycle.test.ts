import { describe, expect, it } from 'vitest';
import { newRun, storePerTest } from './fixtures';

const me = { pid: 100, host: 'here' };
const other = { pid: 200, host: 'here' };

describe('the run queue across processes', () => {
  const t = storePerTest();

  it('lets exactly one owner claim a queued run, oldest first', () => {
    const a = t.store.insertRun(newRun());
    const b = t.store.insertRun(newRun());
    expect(t.store.claimNextQueued(me)).toBe(a);
    expect(t.store.claimRun(a, other)).toBe(false);
    expect(t.store.claimNextQueued(other)).toBe(b);
    expect(t.store.claimNextQueued(me)).toBeUndefined();
    expect(t.store.getRun(a)).toMatchObject({ status: 'running', startedAt: expect.any(Number) });
  });

  it('cancels a queued run at once and flags a running one for its owner only', () => {
    const queued = t.store.insertRun(newRun());
    const running = t.store.insertRun(newRun());
    t.store.claimRun(running, other);
    expect(t.store.requestCancel(queued)).toBe('cancelled');
    expect(t.store.getRun(queued)!.status).toBe('cancelled');
    expect(t.store.requestCancel(running)).toBe('requested');
    expect(t.store.cancelRequests(me)).toEqual([]);
    expect(t.store.cancelRequests(other)).toEqual([running]);
    expect(t.store.requestCancel(queued)).toBe('not-active');
  });

  it('requeues only interrupted or cancelled runs, clearing the cancel request', () => {
    const id = t.store.insertRun(newRun());
    expect(t.store.requeueRun(id)).toBe(false);
    t.store.claimRun(id, me);
    t.store.requestCancel(id);
    t.store.finishRun(id, { status: 'cancelled' });
    expect(t.store.requeueRun(id)).toBe(true);
    expect(t.store.getRun(id)).toMatchObject({ status: 'queued', error: null, finishedAt: null });
    t.store.claimRun(id, me);
    expect(t.store.cancelRequests(me)).toEqual([]);
  });

  it('interrupts the running runs of dead processes on this host, not of live ones or other hosts', () => {
    const dead = t.store.insertRun(newRun());
    const alive = t.store.insertRun(newRun());
    const remote = t.store.insertRun(newRun());
    t.store.claimRun(dead, me);
    t.store.claimRun(alive, other);
    t.store.claimRun(remote, { pid: 100, host: 'elsewhere' });
    expect(t.store.interruptOrphans('here', (pid) => pid === other.pid)).toEqual([dead]);
    expect(t.store.getRun(dead)).toMatchObject({ status: 'interrupted', error: 'interrupted: the process training it (pid 100) ended' });
    expect(t.store.getRun(alive)!.status).toBe('running');
    expect(t.store.getRun(remote)!.status).toBe('running');
  });

  it('records the backend and device of a claimed run', () => {
    const id = t.store.insertRun(newRun());
    expect(t.store.recordBackend(id, 'wasm', 'cpu')).toBe(false);
    t.store.claimRun(id, me);
    expect(t.store.recordBackend(id, 'wasm', 'Xeon (2 threads)')).toBe(true);
    expect(t.store.getRun(id)).toMatchObject({ backend: 'wasm', device: 'Xeon (2 threads)' });
  });
});
