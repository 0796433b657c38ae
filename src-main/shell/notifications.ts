import type { TemperEvent } from '../../shared/api';
import type { RunRecord } from '../../shared/records';

export interface RunNotice {
  runId: number;
  title: string;
  body: string;
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

type RunEnd = Extract<TemperEvent, { type: 'run-status' }> & { status: 'completed' | 'failed' };

export function isRunEnd(event: TemperEvent): event is RunEnd {
  return event.type === 'run-status' && (event.status === 'completed' || event.status === 'failed');
}

/** The desktop notice for a run that completed or failed; null for every other event. */
export function runEndNotice(event: TemperEvent, run: RunRecord | null): RunNotice | null {
  if (!isRunEnd(event)) return null;
  const label = run ? `${run.name ?? `${run.model} ${run.quantizer}${run.bits === null ? '' : ` ${run.bits}-bit`}`} on ${run.dataset}` : '';
  if (event.status === 'completed') {
    const accuracy = run?.finalTop1 === null || run?.finalTop1 === undefined ? '' : `test top-1 ${percent(run.finalTop1)}`;
    return { runId: event.id, title: `Run ${event.id} completed`, body: [label, accuracy].filter(Boolean).join(': ') };
  }
  const error = event.error ?? run?.error ?? 'no error message';
  return { runId: event.id, title: `Run ${event.id} failed`, body: label ? `${label}: ${error}` : error };
}

/**
 * Shows a notice when a run ends. `lookup` adds the run's name and accuracy; when it fails (the
 * run was deleted meanwhile) the notice still goes out with the event's own id and error.
 */
export function notifyRunEnds(
  subscribe: (listener: (event: TemperEvent) => void) => () => void,
  lookup: (id: number) => Promise<RunRecord>,
  show: (notice: RunNotice) => void,
): () => void {
  return subscribe((event) => {
    if (!isRunEnd(event)) return;
    void lookup(event.id)
      .catch(() => null)
      .then((run) => {
        const notice = runEndNotice(event, run);
        if (notice) show(notice);
      });
  });
}
