import type { Db } from './db';
import type { RunEventQueries } from './events';

/** The process that trains a run: its pid on its host. */
export interface RunOwner {
  pid: number;
  host: string;
}

export type CancelOutcome = 'cancelled' | 'requested' | 'not-active';

/**
 * The queue side of the run lifecycle, safe across processes: a run is claimed by exactly one
 * process (an UPDATE guarded by its status), cancel requests travel through the row, and runs
 * whose owner died become interrupted.
 */
export class LifecycleQueries {
  private readonly claim;
  private readonly firstQueued;
  private readonly cancelQueued;
  private readonly flagCancel;
  private readonly selectCancelRequests;
  private readonly requeue;
  private readonly selectOwned;
  private readonly interrupt;
  private readonly setBackend;
  private readonly selectStartedAt;

  constructor(
    private readonly db: Db,
    private readonly events: RunEventQueries,
  ) {
    this.claim = db.prepare(`UPDATE runs SET status = 'running', owner_pid = @pid, owner_host = @host, cancel_requested = 0,
        started_at = coalesce(started_at, @now), heartbeat_at = @now, finished_at = NULL, error = NULL
      WHERE id = @id AND status = 'queued'`);
    this.firstQueued = db.prepare<[], { id: number }>(`SELECT id FROM runs WHERE status = 'queued'
      AND NOT EXISTS (SELECT 1 FROM run_bundles b WHERE b.run_id = runs.id AND b.cluster IS NOT NULL) ORDER BY id LIMIT 1`);
    this.cancelQueued = db.prepare(`UPDATE runs SET status = 'cancelled', finished_at = @now, error = NULL WHERE id = @id AND status = 'queued'`);
    this.flagCancel = db.prepare(`UPDATE runs SET cancel_requested = 1 WHERE id = ? AND status = 'running'`);
    this.selectCancelRequests = db.prepare<[number, string], { id: number }>(`SELECT id FROM runs
      WHERE status = 'running' AND cancel_requested = 1 AND owner_pid = ? AND owner_host = ?`);
    this.requeue = db.prepare(`UPDATE runs SET status = 'queued', error = NULL, finished_at = NULL, cancel_requested = 0
      WHERE id = ? AND status IN ('interrupted', 'cancelled')`);
    this.selectOwned = db.prepare<[string], { id: number; pid: number }>(`SELECT id, owner_pid AS pid FROM runs
      WHERE status = 'running' AND owner_host = ? AND owner_pid IS NOT NULL`);
    this.setBackend = db.prepare(`UPDATE runs SET backend = @backend, device = @device, heartbeat_at = @now WHERE id = @id AND status = 'running'`);
    this.interrupt = db.prepare(`UPDATE runs SET status = 'interrupted', error = @error WHERE id = @id AND status = 'running'`);
    this.selectStartedAt = db.prepare<[number], { startedAt: number | null }>('SELECT started_at AS startedAt FROM runs WHERE id = ?');
  }

  /** Queued → running, owned by `owner`; false when another process claimed it first (or it is not queued). */
  claimRun(id: number, owner: RunOwner, now = Date.now()): boolean {
    return this.db.transaction(() => {
      const before = this.selectStartedAt.get(id);
      const claimed = this.claim.run({ id, pid: owner.pid, host: owner.host, now }).changes === 1;
      // A run that started before (then was cancelled or interrupted, and requeued) resumes.
      if (claimed) this.events.record(id, before?.startedAt == null ? 'started' : 'resumed', now);
      return claimed;
    }).immediate();
  }

  /** The backend and device a claimed run trains on, once its worker has loaded them. */
  recordBackend(id: number, backend: string, device: string, now = Date.now()): boolean {
    return this.setBackend.run({ id, backend, device, now }).changes === 1;
  }

  /** Claims the oldest queued run, if any. */
  claimNextQueued(owner: RunOwner): number | undefined {
    return this.db.transaction(() => {
      const next = this.firstQueued.get();
      return next && this.claimRun(next.id, owner) ? next.id : undefined;
    }).immediate();
  }

  /** A queued run is cancelled at once; a running one is asked to stop (its owner polls for this). */
  requestCancel(id: number, now = Date.now()): CancelOutcome {
    return this.db.transaction((): CancelOutcome => {
      if (this.cancelQueued.run({ id, now }).changes === 1) {
        this.events.record(id, 'cancelled', now);
        return 'cancelled';
      }
      if (this.flagCancel.run(id).changes !== 1) return 'not-active';
      this.events.record(id, 'cancel-requested', now);
      return 'requested';
    }).immediate();
  }

  /** Runs `owner` trains that someone asked to cancel. */
  cancelRequests(owner: RunOwner): number[] {
    return this.selectCancelRequests.all(owner.pid, owner.host).map((r) => r.id);
  }

  /** Interrupted or cancelled → queued, to continue from the last checkpoint; false from any other state. */
  requeueRun(id: number): boolean {
    return this.requeue.run(id).changes === 1;
  }

  /** Runs left `running` by a process of this host that no longer exists become `interrupted`. */
  interruptOrphans(host: string, isAlive: (pid: number) => boolean): number[] {
    return this.db.transaction(() => {
      const orphans = this.selectOwned.all(host).filter((r) => !isAlive(r.pid));
      for (const { id, pid } of orphans) {
        const error = `interrupted: the process training it (pid ${pid}) ended`;
        this.interrupt.run({ id, error });
        this.events.record(id, 'interrupted', Date.now(), error);
      }
      return orphans.map((r) => r.id);
    }).immediate();
  }
}
