import type { RunCurves, RunRecord } from '../../shared/records';
import type { LiveProgress } from './live';
import { dateTime, percent } from './format';

export interface LogLine {
  /** When it happened, where the store knows. */
  at: number | null;
  text: string;
  kind: 'status' | 'epoch' | 'error' | 'live';
}

/** A run's history as log lines: queued, started, each epoch, how it ended, and the live step while it trains. */
export function runLog(run: RunRecord, curves: RunCurves | null, live: (LiveProgress & { loss: number }) | null): LogLine[] {
  const lines: LogLine[] = [{ at: run.createdAt, text: `queued (${run.epochsTotal} epochs)`, kind: 'status' }];
  if (run.startedAt !== null) {
    const where = run.backend ? ` on ${run.backend}${run.device ? ` (${run.device})` : ''}` : '';
    lines.push({ at: run.startedAt, text: `started${where}`, kind: 'status' });
  }
  if (curves) {
    for (let i = 0; i < curves.epoch.length; i++) {
      const seconds = curves.seconds[i];
      lines.push({
        at: null,
        kind: 'epoch',
        text:
          `epoch ${curves.epoch[i]}/${run.epochsTotal}: train loss ${fixed(curves.trainLoss[i])}, test loss ${fixed(curves.testLoss[i])}, ` +
          `test top-1 ${percent(curves.testTop1[i])}${Number.isFinite(seconds) ? ` (${seconds.toFixed(1)} s)` : ''}`,
      });
    }
  }
  if (run.status === 'running' && live) {
    lines.push({
      at: null,
      kind: 'live',
      text: `epoch ${live.epoch + 1}/${run.epochsTotal}, step ${live.step}/${live.totalSteps}, loss ${fixed(live.loss)}`,
    });
  }
  if (run.finishedAt !== null && run.status !== 'running' && run.status !== 'queued') {
    lines.push({ at: run.finishedAt, text: run.status, kind: run.status === 'failed' ? 'error' : 'status' });
  }
  if (run.error) lines.push({ at: null, text: run.error, kind: 'error' });
  return lines;
}

function fixed(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(4);
}

export function logTime(line: LogLine): string {
  return line.at === null ? '' : dateTime(line.at);
}
