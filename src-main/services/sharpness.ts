import type { SharpnessRecord } from '../../shared/records';
import { parseSharpnessParams, type SharpnessParamsInput } from '../engine/sharpness';
import { type JobEvent, sharpnessKey } from '../trainer/protocol';
import { checkpointDir, type RunService } from './runs';
import { readSettings } from './settings';

export interface SharpnessStart {
  id: number;
  /** Resolves with the stored record once the job has ended (completed, cancelled or failed). */
  done: Promise<SharpnessRecord>;
}

/**
 * Sharpness jobs (method.md §5) on a completed run's final weights: they run on the trainer pool
 * like training (long, with progress and cancel) and store their numbers with their parameters.
 */
export class SharpnessService {
  constructor(private readonly runs: RunService) {}

  start(runId: number, input: SharpnessParamsInput = {}, onProgress?: (done: number, total: number, what: string) => void): SharpnessStart {
    const run = this.runs.store.getRun(runId);
    if (!run) throw new Error(`no run ${runId}`);
    if (run.status !== 'completed') throw new Error(`run ${runId} is ${run.status}; sharpness is measured on a completed run's final weights`);
    const params = parseSharpnessParams(input);
    const { store } = this.runs;
    const id = store.insertSharpness(runId, params, this.runs.owner);
    const key = sharpnessKey(id);
    const settings = readSettings(this.runs.home);
    const emitStatus = (record: SharpnessRecord, waiting?: boolean) =>
      this.runs.emit({ type: 'sharpness-status', id, runId, status: record.status, error: record.error, ...(waiting === undefined ? {} : { waiting }) });
    // Waiting only when other jobs hold every worker; otherwise the job is starting (a worker loads its backend, data and weights).
    const waiting = !this.runs.poolHasRoom;
    const done = new Promise<SharpnessRecord>((resolve) => {
      const handler = (event: JobEvent) => {
        if (event.type === 'started') return emitStatus(store.getSharpness(id)!, false);
        if (event.type === 'sharpness-progress') {
          onProgress?.(event.done, event.total, event.what);
          this.runs.emit({ type: 'sharpness-progress', id, runId, done: event.done, total: event.total, what: event.what, unitDone: event.unitDone, unitTotal: event.unitTotal });
          return;
        }
        if (event.type === 'sharpness-done') store.finishSharpness(id, event.status, event.result);
        else if (event.type === 'failed') store.finishSharpness(id, 'failed', null, event.message);
        else if (event.type === 'dropped') store.finishSharpness(id, 'cancelled', null);
        else return;
        const record = store.getSharpness(id)!;
        emitStatus(record);
        resolve(record);
      };
      this.runs.submitJob(
        {
          kind: 'sharpness',
          key,
          sharpnessId: id,
          runId,
          config: run.config,
          backend: run.config.backend === 'auto' ? settings.backend : run.config.backend,
          home: this.runs.home,
          dataset: run.dataset,
          checkpointDir: checkpointDir(this.runs.home, runId),
          params,
          threads: settings.threadsPerRun,
        },
        handler,
      );
    });
    emitStatus(store.getSharpness(id)!, waiting);
    return { id, done };
  }

  /** Stops a sharpness job of this process at its next unit of work; the measures already finished are kept. */
  cancel(id: number): void {
    const record = this.runs.store.getSharpness(id);
    if (!record) throw new Error(`no sharpness job ${id}`);
    if (record.status !== 'running' || !this.runs.cancelJob(sharpnessKey(id))) throw new Error(`sharpness job ${id} is ${record.status === 'running' ? 'not running in this process' : record.status}`);
  }
}
