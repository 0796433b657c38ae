import { describe, expect, it, vi } from 'vitest';
import type { TemperEvent } from '../../shared/api';
import type { RunRecord } from '../../shared/records';
import { notifyRunEnds, type RunNotice, runEndNotice } from '../../src-main/shell/notifications';

const run = { id: 7, name: null, model: 'cnn-small', quantizer: 'nt', bits: 2, dataset: 'cifar10', finalTop1: 0.8123, error: null } as RunRecord;

describe('runEndNotice', () => {
  it('announces a completed run with its accuracy', () => {
    expect(runEndNotice({ type: 'run-status', id: 7, status: 'completed', error: null }, run)).toEqual({
      runId: 7,
      title: 'Run 7 completed',
      body: 'cnn-small nt 2-bit on cifar10: test top-1 81.23%',
    });
  });

  it('announces a failed run with its error', () => {
    const notice = runEndNotice({ type: 'run-status', id: 7, status: 'failed', error: 'loss diverged at step 40' }, { ...run, name: 'baseline' });
    expect(notice).toEqual({ runId: 7, title: 'Run 7 failed', body: 'baseline on cifar10: loss diverged at step 40' });
  });

  it('still says which run and why when the run cannot be looked up', () => {
    expect(runEndNotice({ type: 'run-status', id: 9, status: 'failed', error: 'out of memory' }, null)).toEqual({ runId: 9, title: 'Run 9 failed', body: 'out of memory' });
  });

  it('stays quiet for every other status and event', () => {
    for (const status of ['queued', 'running', 'cancelled', 'interrupted'] as const) {
      expect(runEndNotice({ type: 'run-status', id: 7, status, error: null }, run)).toBeNull();
    }
    expect(runEndNotice({ type: 'datasets-changed' }, run)).toBeNull();
  });
});

describe('notifyRunEnds', () => {
  it('shows one notice per finished or failed run, looked up by id', async () => {
    let emit: (event: TemperEvent) => void = () => undefined;
    const shown: RunNotice[] = [];
    const lookup = vi.fn(async (id: number) => {
      if (id === 7) return run;
      throw new Error(`no run ${id}`);
    });
    notifyRunEnds((listener) => ((emit = listener), () => undefined), lookup, (notice) => shown.push(notice));
    emit({ type: 'run-status', id: 7, status: 'running', error: null });
    emit({ type: 'run-status', id: 7, status: 'completed', error: null });
    emit({ type: 'run-status', id: 8, status: 'failed', error: 'worker crashed' });
    await vi.waitFor(() => expect(shown).toHaveLength(2));
    expect(shown.map((n) => n.title).sort()).toEqual(['Run 7 completed', 'Run 8 failed']);
    expect(lookup.mock.calls).toEqual([[7], [8]]);
  });
});
