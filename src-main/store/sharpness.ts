import type { SharpnessRecord, SharpnessStatus, SharpnessValues } from '../../shared/records';
import type { Db } from './db';
import type { RunOwner } from './lifecycle';

type SharpnessRow = Omit<SharpnessRecord, 'params' | 'result'> & { params: string; result: string | null };

const COLUMNS = `id, run_id AS runId, status, params, result, error, created_at AS createdAt, finished_at AS finishedAt`;

const toRecord = (row: SharpnessRow): SharpnessRecord => ({ ...row, params: JSON.parse(row.params), result: row.result === null ? null : JSON.parse(row.result) });

/** Sharpness results: one row per job, started `running` and finished once. */
export class SharpnessQueries {
  private readonly insert;
  private readonly finish;
  private readonly selectOne;
  private readonly selectByRun;
  private readonly selectLatest;
  private readonly interruptRunning;
  private readonly selectOwned;

  constructor(db: Db) {
    this.insert = db.prepare(`INSERT INTO sharpness (run_id, status, params, owner_pid, owner_host, created_at) VALUES (?, 'running', ?, ?, ?, ?)`);
    this.selectOwned = db.prepare<[string], { id: number; pid: number }>(`SELECT id, owner_pid AS pid FROM sharpness
      WHERE status = 'running' AND owner_host = ? AND owner_pid IS NOT NULL`);
    this.finish = db.prepare(`UPDATE sharpness SET status = @status, result = @result, error = @error, finished_at = @now,
        trace = @trace, trace_stderr = @traceStderr, eigen = @eigen, perturb_mean = @perturbMean
      WHERE id = @id AND status = 'running'`);
    this.selectOne = db.prepare<[number], SharpnessRow>(`SELECT ${COLUMNS} FROM sharpness WHERE id = ?`);
    this.selectByRun = db.prepare<[number], SharpnessRow>(`SELECT ${COLUMNS} FROM sharpness WHERE run_id = ? ORDER BY id DESC`);
    // The newest finished value of each measure, which may come from different jobs.
    this.selectLatest = db.prepare<[number, number, number], { trace: number | null; eigen: number | null; perturb: number | null }>(`SELECT
        (SELECT trace FROM sharpness WHERE run_id = ? AND trace IS NOT NULL ORDER BY id DESC LIMIT 1) AS trace,
        (SELECT eigen FROM sharpness WHERE run_id = ? AND eigen IS NOT NULL ORDER BY id DESC LIMIT 1) AS eigen,
        (SELECT perturb_mean FROM sharpness WHERE run_id = ? AND perturb_mean IS NOT NULL ORDER BY id DESC LIMIT 1) AS perturb`);
    this.interruptRunning = db.prepare(`UPDATE sharpness SET status = 'failed', error = @error, finished_at = @now WHERE id = @id AND status = 'running'`);
  }

  insertSharpness(runId: number, params: unknown, owner: RunOwner, now = Date.now()): number {
    return Number(this.insert.run(runId, JSON.stringify(params), owner.pid, owner.host, now).lastInsertRowid);
  }

  /** Jobs left `running` by a process of this host that no longer exists become `failed`. */
  abandonOrphans(host: string, isAlive: (pid: number) => boolean, now = Date.now()): number[] {
    const orphans = this.selectOwned.all(host).filter((r) => !isAlive(r.pid));
    for (const { id, pid } of orphans) this.abandonSharpness(id, `interrupted: the process measuring it (pid ${pid}) ended`, now);
    return orphans.map((r) => r.id);
  }

  finishSharpness(id: number, status: Exclude<SharpnessStatus, 'running'>, result: SharpnessValues | null, error: string | null = null, now = Date.now()): boolean {
    return (
      this.finish.run({
        id,
        status,
        result: result === null ? null : JSON.stringify(result),
        error,
        now,
        trace: result?.trace?.value ?? null,
        traceStderr: result?.trace?.stderr ?? null,
        eigen: result?.eigen?.value ?? null,
        perturbMean: result?.perturb?.mean ?? null,
      }).changes === 1
    );
  }

  /** A job whose process died: failed, with the reason. */
  abandonSharpness(id: number, error: string, now = Date.now()): boolean {
    return this.interruptRunning.run({ id, error, now }).changes === 1;
  }

  getSharpness(id: number): SharpnessRecord | undefined {
    const row = this.selectOne.get(id);
    return row && toRecord(row);
  }

  /** Newest first. */
  sharpnessOf(runId: number): SharpnessRecord[] {
    return this.selectByRun.all(runId).map(toRecord);
  }

  /** The newest trace, top eigenvalue and mean perturbation sharpness of a run; null where never measured. */
  latestSharpness(runId: number): { trace: number | null; eigen: number | null; perturb: number | null } | null {
    const row = this.selectLatest.get(runId, runId, runId)!;
    return row.trace === null && row.eigen === null && row.perturb === null ? null : row;
  }
}
