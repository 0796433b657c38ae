import type { RunSummary, TemperEvent } from '../../shared/api';
import type { StepProgress } from '../../shared/metrics';
import type { TemperStore } from '../store/interface';
import type { JobEvent } from '../trainer/protocol';
import { explainStorageError } from './storage-errors';

/** Step metrics are written in one transaction per this interval, not one per report. */
const FLUSH_MS = 1000;

interface Waiter {
  resolve: (summary: RunSummary) => void;
  onProgress?: (p: StepProgress) => void;
}

type Ending = Extract<JobEvent, { type: 'done' | 'failed' | 'dropped' }>;
const isEnding = (event: JobEvent): event is Ending => event.type === 'done' || event.type === 'failed' || event.type === 'dropped';

/**
 * The events of the runs this process trains become store writes (this thread is the only
 * writer; step metrics batched) and app events; whoever waits for a run hears how it ended.
 */
export class RunRecorder {
  private readonly waiters = new Map<number, Waiter>();
  private readonly pendingSteps = new Map<number, StepProgress[]>();
  /** Runs whose events the store could not record; each fails with this error when it stops. */
  private readonly writeFailures = new Map<number, unknown>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly home: string,
    private readonly store: TemperStore,
    private readonly emit: (event: TemperEvent) => void,
    /** Stops a run at its next step (after a failed write). */
    private readonly stop: (id: number) => void,
  ) {}

  /** Resolves with the run's summary when it ends. */
  track(id: number, onProgress?: (p: StepProgress) => void): Promise<RunSummary> {
    return new Promise((resolve) => this.waiters.set(id, { resolve, onProgress }));
  }

  isTracking(id: number): boolean {
    return this.waiters.has(id);
  }

  get busy(): boolean {
    return this.waiters.size > 0;
  }

  /** One pool event of run `id`. */
  record(id: number, event: JobEvent): void {
    const earlier = this.writeFailures.get(id);
    try {
      if (earlier !== undefined && isEnding(event)) throw earlier;
      this.apply(id, event);
    } catch (error) {
      this.onStoreFailure(id, event, error);
    }
  }

  /** A run that fails before it reaches the pool (its job could not be built). */
  failEarly(id: number, message: string): void {
    this.store.finishRun(id, { status: 'failed', error: message });
    this.emit({ type: 'run-status', id, status: 'failed', error: message });
  }

  flushSteps(): void {
    if (this.pendingSteps.size === 0) return;
    this.store.transaction(() => {
      for (const [id, points] of this.pendingSteps) {
        this.store.appendStepMetrics(id, points);
        this.store.heartbeat(id);
      }
    });
    this.pendingSteps.clear();
  }

  close(): void {
    this.flushSteps();
    clearInterval(this.flushTimer);
  }

  summary(id: number): RunSummary {
    const run = this.store.getRun(id);
    if (!run) throw new Error(`no run ${id}`);
    const last = this.store.epochCurves([id])[0];
    const final = run.finalTop1 === null ? null : { testTop1: run.finalTop1, testLoss: last?.testLoss.at(-1) ?? NaN };
    const best = run.bestTop1 === null || run.bestEpoch === null ? null : { testTop1: run.bestTop1, epoch: run.bestEpoch };
    return { id, status: run.status, final, best, bestUnavailable: run.bestUnavailable, parent: run.parentId, deltaVsParent: run.deltaVsParent, testSet: run.testSet, error: run.error };
  }

  private apply(id: number, event: JobEvent): void {
    switch (event.type) {
      case 'started':
        this.store.recordBackend(id, event.backend, event.device);
        if (event.testSet) this.store.recordTestSet(id, event.testSet);
        return;
      case 'progress':
        return this.onProgress(id, event.progress);
      case 'epoch': {
        this.flushSteps();
        this.store.appendEpochMetrics(id, event.metrics);
        const { epoch, trainLoss, test } = event.metrics;
        this.emit({ type: 'run-epoch', id, epoch, trainLoss, testLoss: test.loss, testTop1: test.top1 });
        return;
      }
      case 'checkpoint':
        this.store.addCheckpoint({ runId: id, epoch: event.epoch, path: event.dir, bytes: event.bytes });
        return;
      case 'done':
      case 'dropped':
      case 'failed':
        this.flushSteps();
        this.finish(id, event);
        return this.settle(id, this.summary(id));
    }
  }

  private onProgress(id: number, progress: StepProgress): void {
    const pending = this.pendingSteps.get(id) ?? [];
    pending.push(progress);
    this.pendingSteps.set(id, pending);
    this.flushTimer ??= setInterval(() => this.flushSteps(), FLUSH_MS);
    const { epoch, step, totalSteps, loss, imagesPerSec } = progress;
    this.waiters.get(id)?.onProgress?.(progress);
    this.emit({ type: 'run-progress', id, epoch, step, totalSteps, loss, imagesPerSec });
  }

  private finish(id: number, event: Ending): void {
    if (event.type === 'dropped') {
      this.store.finishRun(id, { status: 'cancelled' });
    } else if (event.type === 'failed') {
      this.store.finishRun(id, { status: 'failed', error: event.message });
    } else {
      const finished = event.status === 'completed';
      // A cancelled run keeps the accuracy of its last finished epoch as its final one.
      const recorded = this.store.epochCurves([id])[0]?.testTop1 ?? [];
      const last = recorded.at(-1) ?? null;
      // The best epoch was chosen on validation as the epochs were recorded (store/metrics.ts).
      this.store.finishRun(id, { status: event.status, finalTop1: finished ? event.finalTop1 : last });
    }
  }

  private settle(id: number, summary: RunSummary): void {
    this.emit({ type: 'run-status', id, status: summary.status, error: summary.error });
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    waiter?.resolve(summary);
  }

  /**
   * The store refused a write (a full disk, most likely): the run stops at its next step, and
   * whoever waits for it hears why, even if its row cannot record it.
   */
  private onStoreFailure(id: number, event: JobEvent, error: unknown): void {
    const message = explainStorageError(error, this.home).message;
    this.pendingSteps.delete(id);
    if (!isEnding(event)) {
      this.writeFailures.set(id, error);
      this.stop(id);
      return;
    }
    this.writeFailures.delete(id);
    try {
      this.store.finishRun(id, { status: 'failed', error: message });
    } catch {
      // The row keeps saying running; the next open marks it interrupted, and it can be resumed.
    }
    this.settle(id, { id, status: 'failed', final: null, best: null, bestUnavailable: null, parent: null, deltaVsParent: null, testSet: null, error: message });
  }
}
