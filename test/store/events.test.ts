import { describe, expect, it } from 'vitest';
import type { StepPoint } from '../../src-main/store/types';
import { epochMetrics, newRun, storePerTest } from './fixtures';

const me = { pid: 100, host: 'here' };

const steps = (from: number, to: number): StepPoint[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ step: from + i, loss: 1, lr: 0.1, lambda: 0, imagesPerSec: 1 }));

describe("a run's history (run_events)", () => {
  const t = storePerTest();
  const kinds = (id: number) => t.store.runEvents(id).map((e) => e.kind);

  it('records create, start, cancel request, cancel, resume and completion with time, epoch and step', () => {
    const id = t.store.insertRun(newRun({ epochs: 3 }, { createdAt: 1000 }));
    t.store.claimRun(id, me, 2000);
    t.store.appendEpochMetrics(id, epochMetrics(1), 2500);
    t.store.appendStepMetrics(id, steps(11, 14));
    expect(t.store.requestCancel(id, 3000)).toBe('requested');
    t.store.finishRun(id, { status: 'cancelled', finishedAt: 3100 });
    expect(t.store.requeueRun(id)).toBe(true);
    t.store.claimRun(id, me, 4000);
    t.store.appendEpochMetrics(id, epochMetrics(2), 4500);
    t.store.appendEpochMetrics(id, epochMetrics(3), 4600);
    t.store.finishRun(id, { status: 'completed', finalTop1: 0.03, finishedAt: 5000 });
    expect(t.store.runEvents(id)).toEqual([
      { kind: 'created', at: 1000, epoch: 0, step: 0, detail: null },
      { kind: 'started', at: 2000, epoch: 0, step: 0, detail: null },
      { kind: 'cancel-requested', at: 3000, epoch: 1, step: 14, detail: null },
      { kind: 'cancelled', at: 3100, epoch: 1, step: 14, detail: null },
      // The resumed run continues from its checkpoint: the end of epoch 1, step 10.
      { kind: 'resumed', at: 4000, epoch: 1, step: 10, detail: null },
      { kind: 'completed', at: 5000, epoch: 3, step: 30, detail: null },
    ]);
  });

  it('records a queued run cancelled at once, a failure with its error, and interruptions of dead or silent processes', () => {
    const queued = t.store.insertRun(newRun());
    t.store.requestCancel(queued);
    expect(kinds(queued)).toEqual(['created', 'cancelled']);

    const failed = t.store.insertRun(newRun());
    t.store.claimRun(failed, me);
    t.store.finishRun(failed, { status: 'failed', error: 'Training diverged at epoch 1, step 3' });
    expect(t.store.runEvents(failed).at(-1)).toMatchObject({ kind: 'failed', detail: 'Training diverged at epoch 1, step 3' });

    const orphan = t.store.insertRun(newRun());
    t.store.claimRun(orphan, me);
    t.store.interruptOrphans('here', () => false);
    expect(t.store.runEvents(orphan).at(-1)).toMatchObject({ kind: 'interrupted', detail: 'interrupted: the process training it (pid 100) ended' });

    const silent = t.store.insertRun(newRun());
    t.store.claimRun(silent, { pid: 1, host: 'elsewhere' }, 10);
    t.store.markStaleRunsInterrupted(1000, 5000);
    expect(kinds(silent)).toEqual(['created', 'started', 'interrupted']);
  });

  it('records starts, resumes and ends that come through status updates (cluster runs), only when the status changes', () => {
    const id = t.store.insertRun(newRun());
    t.store.markRunning(id, { backend: 'slurm', device: 'node1', startedAt: 50 });
    t.store.updateRunStatus(id, 'running');
    t.store.updateRunStatus(id, 'interrupted', 'node lost');
    t.store.updateRunStatus(id, 'running');
    expect(kinds(id)).toEqual(['created', 'started', 'interrupted', 'resumed']);
  });

  it('claims inside a larger transaction (the queue) and forgets the events of a deleted run', () => {
    const id = t.store.insertRun(newRun());
    expect(t.store.claimNextQueued(me)).toBe(id);
    expect(kinds(id)).toEqual(['created', 'started']);
    t.store.deleteRun(id);
    expect(t.store.runEvents(id)).toEqual([]);
  });

  it('gives epoch curves the wall time from the first start, pauses included', () => {
    const id = t.store.insertRun(newRun({ epochs: 3 }));
    t.store.claimRun(id, me, 10_000);
    t.store.appendEpochMetrics(id, epochMetrics(1), 12_000);
    t.store.appendEpochMetrics(id, epochMetrics(2), 70_000);
    expect(t.store.epochCurves([id])[0].wallSeconds).toEqual([2, 60]);
  });
});
