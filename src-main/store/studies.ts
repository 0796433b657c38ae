import type { StudyCell } from '../../shared/study';
import type { Db } from './db';

export type StudyStatus = 'created' | 'running' | 'completed' | 'failed';

export interface StudyRow {
  id: number;
  name: string;
  /** The spec as stored (validated JSON). */
  spec: unknown;
  groupId: number | null;
  parentRunId: number | null;
  status: StudyStatus;
  error: string | null;
  createdAt: number;
  /** The process that last ran it; null before it first ran. */
  ownerPid: number | null;
  ownerHost: string | null;
}

/** A grid run of a study, with the measures of its newest finished sharpness job linked to it. */
export interface StudyRunRow {
  runId: number;
  cell: StudyCell;
  seed: number;
  status: string;
  /** The run's error when it failed. */
  error: string | null;
  finalTop1: number | null;
  testImages: number | null;
  testSet: string | null;
  sharpnessId: number | null;
  trace: number | null;
  eigen: number | null;
  perturb: number | null;
}

const COLUMNS = `id, name, spec, group_id AS groupId, parent_run_id AS parentRunId, status, error, created_at AS createdAt,
  owner_pid AS ownerPid, owner_host AS ownerHost`;
type Row = Omit<StudyRow, 'spec'> & { spec: string };
const toRow = (row: Row): StudyRow => ({ ...row, spec: JSON.parse(row.spec) });

/** Studies and the links from a study to its runs and their sharpness results. */
export class StudyQueries {
  private readonly insert;
  private readonly selectOne;
  private readonly selectPage;
  private readonly updateStatus;
  private readonly claim;
  private readonly updateParent;
  private readonly insertRun;
  private readonly linkSharpness;
  private readonly selectRuns;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO studies (name, spec, group_id, parent_run_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectOne = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM studies WHERE id = ?`);
    this.selectPage = db.prepare<[number, number], Row>(`SELECT ${COLUMNS} FROM studies ORDER BY id DESC LIMIT ? OFFSET ?`);
    this.updateStatus = db.prepare('UPDATE studies SET status = ?, error = ? WHERE id = ?');
    this.claim = db.prepare(`UPDATE studies SET status = 'running', error = NULL, owner_pid = @pid, owner_host = @host WHERE id = @id`);
    this.updateParent = db.prepare('UPDATE studies SET parent_run_id = ? WHERE id = ?');
    this.insertRun = db.prepare('INSERT INTO study_runs (study_id, run_id, cell, seed) VALUES (?, ?, ?, ?)');
    this.linkSharpness = db.prepare('UPDATE study_runs SET sharpness_id = ? WHERE study_id = ? AND run_id = ?');
    this.selectRuns = db.prepare<[number], Omit<StudyRunRow, 'cell'> & { cell: string }>(`SELECT sr.run_id AS runId, sr.cell, sr.seed,
        r.status, r.error, r.final_top1 AS finalTop1, r.test_images AS testImages, r.test_set AS testSet, sr.sharpness_id AS sharpnessId, s.trace, s.eigen, s.perturb_mean AS perturb
      FROM study_runs sr JOIN runs r ON r.id = sr.run_id LEFT JOIN sharpness s ON s.id = sr.sharpness_id AND s.status = 'completed'
      WHERE sr.study_id = ? ORDER BY sr.run_id`);
  }

  insertStudy(name: string, spec: unknown, groupId: number, parentRunId: number | null, now = Date.now()): number {
    return Number(this.insert.run(name, JSON.stringify(spec), groupId, parentRunId, 'created', now).lastInsertRowid);
  }

  getStudy(id: number): StudyRow | undefined {
    const row = this.selectOne.get(id);
    return row && toRow(row);
  }

  /** Newest first. */
  listStudies(limit = 50, offset = 0): StudyRow[] {
    return this.selectPage.all(limit, offset).map(toRow);
  }

  setStudyStatus(id: number, status: StudyStatus, error: string | null = null): void {
    this.updateStatus.run(status, error, id);
  }

  /** The study runs in `owner`'s process from now on. */
  claimStudy(id: number, owner: { pid: number; host: string }): void {
    this.claim.run({ id, pid: owner.pid, host: owner.host });
  }

  setStudyParent(id: number, runId: number): void {
    this.updateParent.run(runId, id);
  }

  addStudyRun(studyId: number, runId: number, cell: StudyCell, seed: number): void {
    this.insertRun.run(studyId, runId, JSON.stringify(cell), seed);
  }

  /** Links the sharpness job that measured a study's run. */
  setStudySharpness(studyId: number, runId: number, sharpnessId: number): void {
    this.linkSharpness.run(sharpnessId, studyId, runId);
  }

  studyRuns(studyId: number): StudyRunRow[] {
    return this.selectRuns.all(studyId).map((row) => ({ ...row, cell: JSON.parse(row.cell) }));
  }
}
