import { LIMITS } from '../../shared/records';
import { type TrainConfig, parseTrainConfig } from '../../shared/config';
import type { SubsetIdentity } from '../../shared/test-set';
import type { Db } from './db';
import type { RunEventQueries } from './events';
import { compileRunFilter, compileRunSort } from './filter-sql';
import type { RunStatus } from './schema';
import type { ListRunsQuery, NewRun, Page, RunFinish, RunRecord, RunStart } from './types';

export const DEFAULT_PAGE_SIZE = LIMITS.defaultPageSize;
export const MAX_PAGE_SIZE = LIMITS.pageSize;

/** drop_vs_parent is stored as the parent's top-1 minus the run's; records carry its negation, Δ (+ better). */
const RUN_COLUMNS = `runs.id, runs.name, runs.config, runs.model, runs.dataset, runs.quantizer, runs.bits, runs.seed,
  runs.status, runs.parent_id AS parentId, runs.group_id AS groupId, runs.created_at AS createdAt,
  runs.started_at AS startedAt, runs.finished_at AS finishedAt, runs.heartbeat_at AS heartbeatAt,
  runs.backend, runs.device, runs.app_version AS appVersion, runs.git_commit AS gitCommit,
  runs.dataset_hash AS datasetHash, runs.best_top1 AS bestTop1, runs.best_epoch AS bestEpoch,
  runs.best_unavailable AS bestUnavailable, runs.final_top1 AS finalTop1,
  -runs.drop_vs_parent AS deltaVsParent, runs.error, runs.epochs_done AS epochsDone, runs.epochs_total AS epochsTotal,
  runs.test_images AS testImages, runs.test_set AS testSetHash,
  (SELECT CASE WHEN p.test_set IS NULL OR runs.test_set IS NULL THEN 'unknown' WHEN p.test_set = runs.test_set THEN 'same' ELSE 'different' END
    FROM runs AS p WHERE p.id = runs.parent_id) AS parentTestSet`;


type RunRow = Omit<RunRecord, 'config' | 'testSet'> & { config: string; testImages: number | null; testSetHash: string | null };

function toRecord({ testImages, testSetHash, ...row }: RunRow): RunRecord {
  const testSet = testImages === null || testSetHash === null ? null : { images: testImages, hash: testSetHash };
  // Stored configs were validated on insert; read them back without re-validating.
  return { ...row, config: JSON.parse(row.config) as TrainConfig, testSet, parentTestSet: row.parentTestSet ?? null };
}

/** The runs table: the run's record and its lifecycle. */
export class RunQueries {
  private readonly datasetExists;
  private readonly runExists;
  private readonly groupExists;
  private readonly insert;
  private readonly selectById;
  private readonly selectByGroup;
  private readonly setStatus;
  private readonly setRunning;
  private readonly setFinished;
  private readonly setHeartbeat;
  private readonly setTestSet;
  private readonly interruptStale;
  private readonly deleteById;
  private readonly selectState;

  constructor(
    private readonly db: Db,
    private readonly events: RunEventQueries,
  ) {
    this.datasetExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM datasets WHERE name = ?');
    this.runExists = db.prepare<[number], { model: string }>('SELECT model FROM runs WHERE id = ?');
    this.groupExists = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM groups WHERE id = ?');
    this.insert = db.prepare(`INSERT INTO runs (name, config, model, dataset, quantizer, bits, seed, status, parent_id,
        group_id, created_at, app_version, git_commit, dataset_hash, epochs_total)
      VALUES (@name, @config, @model, @dataset, @quantizer, @bits, @seed, 'queued', @parentId,
        @groupId, @createdAt, @appVersion, @gitCommit, @datasetHash, @epochsTotal)`);
    this.selectById = db.prepare<[number], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`);
    this.selectByGroup = db.prepare<[number], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE group_id = ? ORDER BY id`);
    this.setStatus = db.prepare('UPDATE runs SET status = @status, error = @error WHERE id = @id');
    this.setRunning = db.prepare(`UPDATE runs SET status = 'running', started_at = coalesce(started_at, @startedAt),
        heartbeat_at = @startedAt, finished_at = NULL, backend = @backend, device = @device, error = NULL
      WHERE id = @id AND status IN ('queued', 'interrupted', 'cancelled')`);
    this.setFinished = db.prepare(`UPDATE runs SET status = @status, finished_at = @finishedAt, error = @error,
        final_top1 = @finalTop1,
        drop_vs_parent = (SELECT parent.final_top1 FROM runs AS parent WHERE parent.id = runs.parent_id AND parent.test_set = runs.test_set) - @finalTop1
      WHERE id = @id`);
    // A run that recorded epochs on unknown or other test images (trained before, resumed now) stays unknown.
    this.setTestSet = db.prepare(`UPDATE runs SET
        test_images = CASE WHEN epochs_done = 0 OR test_set = @hash THEN @images END,
        test_set = CASE WHEN epochs_done = 0 OR test_set = @hash THEN @hash END
      WHERE id = @id`);
    this.setHeartbeat = db.prepare(`UPDATE runs SET heartbeat_at = @now WHERE id = @id AND status = 'running'`);
    this.interruptStale = db.prepare<{ cutoff: number; error: string }, { id: number }>(`UPDATE runs
      SET status = 'interrupted', error = @error
      WHERE status = 'running' AND coalesce(heartbeat_at, started_at, created_at) < @cutoff
        AND NOT EXISTS (SELECT 1 FROM run_bundles b WHERE b.run_id = runs.id AND b.cluster IS NOT NULL) RETURNING id`);
    this.deleteById = db.prepare('DELETE FROM runs WHERE id = ?');
    this.selectState = db.prepare<[number], { status: RunStatus; startedAt: number | null }>('SELECT status, started_at AS startedAt FROM runs WHERE id = ?');
  }

  /** Validates the config, checks what the run refers to, and stores it `queued`. */
  insertRun(run: NewRun): number {
    const config = parseTrainConfig(run.config);
    if (!this.datasetExists.get(run.dataset)) throw new Error(`insertRun: dataset '${run.dataset}' is not registered`);
    if (run.parentId != null && !this.runExists.get(run.parentId)) throw new Error(`insertRun: parent run ${run.parentId} does not exist`);
    if (run.groupId != null && !this.groupExists.get(run.groupId)) throw new Error(`insertRun: group ${run.groupId} does not exist`);
    const createdAt = run.createdAt ?? Date.now();
    const insert = () => this.insert.run({
      name: run.name ?? null,
      config: JSON.stringify(config),
      model: config.model,
      dataset: run.dataset,
      quantizer: config.quant.quantizer,
      bits: config.quant.quantizer === 'fp' ? null : config.quant.bits,
      seed: config.seed,
      parentId: run.parentId ?? null,
      groupId: run.groupId ?? null,
      createdAt,
      appVersion: run.appVersion ?? null,
      gitCommit: run.gitCommit ?? null,
      datasetHash: run.datasetHash ?? null,
      epochsTotal: config.epochs,
    });
    return this.db.transaction(() => {
      const id = Number(insert().lastInsertRowid);
      this.events.record(id, 'created', createdAt);
      return id;
    })();
  }

  getRun(id: number): RunRecord | undefined {
    const row = this.selectById.get(id);
    return row && toRecord(row);
  }

  /** One page of runs matching the filter, and how many match in all. */
  listRuns(query: ListRunsQuery = {}): Page<RunRecord> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const offset = query.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new Error(`listRuns: limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`listRuns: offset must be a non-negative integer, got ${offset}`);
    const { where, params } = compileRunFilter(query.filter);
    const orderBy = compileRunSort(query.sort, query.order);
    const read = this.db.transaction(() => {
      const rows = this.db.prepare<unknown[], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE ${where} ${orderBy} LIMIT ? OFFSET ?`).all(...params, limit, offset);
      const { total } = this.db.prepare<unknown[], { total: number }>(`SELECT count(*) AS total FROM runs WHERE ${where}`).get(...params)!;
      return { rows: rows.map(toRecord), total };
    });
    // One read transaction: the page and its total come from the same snapshot.
    return read.deferred();
  }

  /** Every run of a sweep group, oldest first (a group is one sweep: tens to hundreds of runs). */
  listGroupRuns(groupId: number): RunRecord[] {
    return this.selectByGroup.all(groupId).map(toRecord);
  }

  /** Sets the status and replaces the error message (cleared unless given). */
  updateRunStatus(id: number, status: RunStatus, error: string | null = null): boolean {
    return this.db.transaction(() => {
      const before = this.selectState.get(id);
      const changed = this.setStatus.run({ id, status, error }).changes === 1;
      if (changed && before && before.status !== status) this.recordStatus(id, status, before.startedAt, error);
      return changed;
    }).immediate();
  }

  /** Queued, interrupted or cancelled → running; false if the run is in any other state. */
  markRunning(id: number, start: RunStart): boolean {
    return this.db.transaction(() => {
      const before = this.selectState.get(id);
      const at = start.startedAt ?? Date.now();
      const changed = this.setRunning.run({ id, startedAt: at, backend: start.backend, device: start.device }).changes === 1;
      if (changed) this.events.record(id, before?.startedAt == null ? 'started' : 'resumed', at);
      return changed;
    }).immediate();
  }

  /** The event a status change means: running is a start, or a resume of a run that started before. */
  private recordStatus(id: number, status: RunStatus, startedAt: number | null, error: string | null, at = Date.now()): void {
    if (status === 'running') this.events.record(id, startedAt === null ? 'started' : 'resumed', at);
    else if (status !== 'queued') this.events.record(id, status, at, error);
  }

  /** Ends a run; the drop against its parent is computed from the parent's final top-1, only when both were tested on the same images. */
  finishRun(id: number, finish: RunFinish): boolean {
    const finishedAt = finish.finishedAt ?? Date.now();
    return this.db.transaction(() => {
      const changed =
        this.setFinished.run({
          id,
          status: finish.status,
          finishedAt,
          error: finish.error ?? null,
          finalTop1: finish.finalTop1 ?? null,
        }).changes === 1;
      if (changed) this.events.record(id, finish.status, finishedAt, finish.error ?? null);
      return changed;
    })();
  }

  /** The test images a run is evaluated on, as its trainer reports them when it starts. */
  recordTestSet(id: number, set: SubsetIdentity): boolean {
    return this.setTestSet.run({ id, images: set.images, hash: set.hash }).changes === 1;
  }

  heartbeat(id: number, now = Date.now()): boolean {
    return this.setHeartbeat.run({ id, now }).changes === 1;
  }

  /** Runs left `running` whose last heartbeat is older than `olderThanMs` become `interrupted`. */
  markStaleRunsInterrupted(olderThanMs: number, now = Date.now()): number[] {
    const error = `interrupted: no heartbeat for ${Math.round(olderThanMs / 1000)} s (the process running it stopped)`;
    return this.db.transaction(() => {
      const ids = this.interruptStale
        .all({ cutoff: now - olderThanMs, error })
        .map((r) => r.id)
        .sort((a, b) => a - b);
      for (const id of ids) this.events.record(id, 'interrupted', now, error);
      return ids;
    })();
  }

  /** Deletes the run and, by cascade, its metrics, tags, notes and checkpoint rows; children lose their parent link. */
  deleteRun(id: number): boolean {
    return this.deleteById.run(id).changes === 1;
  }
}
