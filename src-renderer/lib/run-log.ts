import type { RunCurves, RunEvent, RunRecord } from '../../shared/records';
import type { ChartMarker } from '../charts/markers';
import type { LiveProgress } from './live';
import { dateTime, percent } from './format';

export interface LogLine {
  /** When it happened, where the store knows. */
  at: number | null;
  text: string;
  kind: 'status' | 'epoch' | 'error' | 'live';
}

/**
 * A run's history as log lines: its events (created, started, cancels, resumes, the end) with each
 * epoch placed after the events that came before it, and the live step while it trains.
 */
export function runLog(run: RunRecord, curves: RunCurves | null, live: (LiveProgress & { loss: number }) | null, events: RunEvent[] = []): LogLine[] {
  const epochs = epochLines(run, curves);
  const lines: LogLine[] = [];
  if (events.length) {
    for (const event of events) {
      while (epochs.length && epochs[0].epoch <= event.epoch) lines.push(epochs.shift()!.line);
      lines.push(eventLine(run, event));
    }
    lines.push(...epochs.map((e) => e.line));
  } else {
    lines.push(...legacyLines(run, epochs.map((e) => e.line)));
  }
  if (run.status === 'running' && live) {
    lines.push({
      at: null,
      kind: 'live',
      text: `epoch ${live.epoch + 1}/${run.epochsTotal}, step ${live.step}/${live.totalSteps}, loss ${fixed(live.loss)}`,
    });
  }
  if (run.error && !events.some((e) => e.detail === run.error)) lines.push({ at: null, text: run.error, kind: 'error' });
  return lines;
}

/** Events store the epochs done; the header counts the epoch in training from 1, and so does the log. */
function eventLine(run: RunRecord, event: RunEvent): LogLine {
  const where = `epoch ${Math.min(event.epoch + 1, run.epochsTotal)}/${run.epochsTotal}, step ${event.step}`;
  const at = event.at;
  switch (event.kind) {
    case 'created':
      return { at, kind: 'status', text: `queued (${run.epochsTotal} epochs)` };
    case 'started':
      return { at, kind: 'status', text: `started${run.backend ? ` on ${run.backend}${run.device ? ` (${run.device})` : ''}` : ''}` };
    case 'cancel-requested':
      return { at, kind: 'status', text: `cancel requested (${where})` };
    case 'cancelled':
      return { at, kind: 'status', text: event.step > 0 ? `cancelled at ${where}` : 'cancelled before it started' };
    case 'interrupted':
      return { at, kind: 'error', text: `interrupted at ${where}${event.detail ? `: ${event.detail}` : ''}` };
    case 'resumed':
      return {
        at,
        kind: 'status',
        text: event.epoch === 0 ? `resumed from the start of epoch 1 (step ${event.step})` : `resumed after epoch ${event.epoch}/${run.epochsTotal}, from its checkpoint (step ${event.step})`,
      };
    case 'completed':
      return { at, kind: 'status', text: `completed (epoch ${event.epoch}/${run.epochsTotal}, step ${event.step})` };
    case 'failed':
      return { at, kind: 'error', text: `failed at ${where}${event.detail ? `: ${event.detail}` : ''}` };
  }
}

function epochLines(run: RunRecord, curves: RunCurves | null): { epoch: number; line: LogLine }[] {
  if (!curves) return [];
  return curves.epoch.map((epoch, i) => {
    const seconds = curves.seconds[i];
    const wall = curves.wallSeconds?.[i];
    return {
      epoch,
      line: {
        at: wall !== null && wall !== undefined && run.startedAt !== null ? run.startedAt + wall * 1000 : null,
        kind: 'epoch' as const,
        text:
          `epoch ${epoch}/${run.epochsTotal}: train loss ${fixed(curves.trainLoss[i])}, test loss ${fixed(curves.testLoss[i])}, ` +
          `test top-1 ${percent(curves.testTop1[i])}${Number.isFinite(seconds) ? ` (${seconds.toFixed(1)} s)` : ''}`,
      },
    };
  });
}

/** Runs recorded before Temper kept their events: the history the run's row itself tells. */
function legacyLines(run: RunRecord, epochs: LogLine[]): LogLine[] {
  const lines: LogLine[] = [{ at: run.createdAt, text: `queued (${run.epochsTotal} epochs)`, kind: 'status' }];
  if (run.startedAt !== null) {
    const where = run.backend ? ` on ${run.backend}${run.device ? ` (${run.device})` : ''}` : '';
    lines.push({ at: run.startedAt, text: `started${where}`, kind: 'status' });
  }
  lines.push(...epochs);
  if (run.finishedAt !== null && run.status !== 'running' && run.status !== 'queued') {
    lines.push({ at: run.finishedAt, text: run.status, kind: run.status === 'failed' ? 'error' : 'status' });
  }
  return lines;
}

/**
 * Cancels, interruptions and resumes as vertical lines on the curves: at their step on step charts;
 * on epoch charts (whose point k is the end of epoch k) at the epochs done plus the part of the next
 * one trained, from `epochSteps` (the step at each epoch's end). The charts widen to show them all.
 */
export function historyMarkers(events: RunEvent[], axis: 'epoch' | 'step', epochSteps: readonly number[] = []): ChartMarker[] {
  return events.flatMap((event): ChartMarker[] => {
    // A run cancelled while queued never trained: nothing to mark.
    if (event.kind !== 'resumed' && event.epoch === 0 && event.step === 0) return [];
    const x = axis === 'epoch' ? epochPosition(event, epochSteps) : event.step;
    if (event.kind === 'cancelled' || event.kind === 'interrupted') return [{ x, label: event.kind, color: '--danger' }];
    if (event.kind === 'resumed') return [{ x, label: 'resumed', color: '--ok' }];
    return [];
  });
}

function epochPosition(event: RunEvent, epochSteps: readonly number[]): number {
  const start = event.epoch === 0 ? 0 : (epochSteps[event.epoch - 1] ?? NaN);
  const length = (epochSteps[event.epoch] ?? NaN) - start || epochSteps[0];
  const part = (event.step - start) / length;
  return Number.isFinite(part) && part > 0 ? event.epoch + Math.min(part, 1) : event.epoch;
}

/**
 * Seconds a run has trained: its epochs' own time, and while it runs the epoch in progress so far
 * (since the later of the last epoch's end and the last start or resume).
 */
export function trainedSeconds(run: RunRecord, curves: RunCurves | null, events: RunEvent[], now = Date.now()): number | null {
  if (!curves && run.status !== 'running') return null;
  const epochs = curves?.seconds.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) ?? 0;
  if (run.status !== 'running' || run.startedAt === null) return epochs;
  const lastWall = curves?.wallSeconds?.at(-1);
  const epochEnd = lastWall === null || lastWall === undefined ? run.startedAt : run.startedAt + lastWall * 1000;
  const started = events.filter((e) => e.kind === 'started' || e.kind === 'resumed').at(-1)?.at ?? run.startedAt;
  return epochs + Math.max(0, now - Math.max(epochEnd, started)) / 1000;
}

function fixed(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(4);
}

export function logTime(line: LogLine): string {
  return line.at === null ? '' : dateTime(line.at);
}
