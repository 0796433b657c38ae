import type { RunEvent, RunEventKind } from '../../shared/records';
import type { Db } from './db';

/**
 * A run's history: one row per lifecycle change, written by the store's own lifecycle methods
 * (runs.ts, lifecycle.ts) inside the statement's transaction, so every caller records it.
 */
export class RunEventQueries {
  private readonly insert;
  private readonly selectOf;

  constructor(db: Db) {
    // The step: the last one recorded (steps or epochs); a resume continues from its checkpoint, the last epoch's step.
    this.insert = db.prepare(`INSERT INTO run_events (run_id, kind, at, epoch, step, detail)
      SELECT id, @kind, @at, epochs_done,
        CASE WHEN @kind = 'resumed' THEN coalesce((SELECT max(step) FROM epoch_metrics WHERE run_id = @id), 0)
          ELSE max(coalesce((SELECT max(step) FROM step_metrics WHERE run_id = @id), 0),
                   coalesce((SELECT max(step) FROM epoch_metrics WHERE run_id = @id), 0)) END,
        @detail
      FROM runs WHERE id = @id`);
    this.selectOf = db.prepare<[number], RunEvent>('SELECT kind, at, epoch, step, detail FROM run_events WHERE run_id = ? ORDER BY id');
  }

  record(id: number, kind: RunEventKind, at = Date.now(), detail: string | null = null): void {
    this.insert.run({ id, kind, at, detail });
  }

  eventsOf(runId: number): RunEvent[] {
    return this.selectOf.all(runId);
  }
}
