import type { Db } from './db';
import type { GroupRecord } from './types';

type GroupRow = Omit<GroupRecord, 'sweep'> & { sweep: string };

const toRecord = (row: GroupRow): GroupRecord => ({ ...row, sweep: JSON.parse(row.sweep) });

/** Sweep groups: the runs a sweep config expanded into share a group. */
export class GroupQueries {
  private readonly insert;
  private readonly selectOne;
  private readonly selectPage;
  private readonly deleteOne;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO groups (name, sweep, created_at) VALUES (?, ?, ?)');
    this.selectOne = db.prepare<[number], GroupRow>('SELECT id, name, sweep, created_at AS createdAt FROM groups WHERE id = ?');
    this.deleteOne = db.prepare('DELETE FROM groups WHERE id = ?');
    this.selectPage = db.prepare<[number, number], GroupRow>('SELECT id, name, sweep, created_at AS createdAt FROM groups ORDER BY id DESC LIMIT ? OFFSET ?');
  }

  insertGroup(name: string, sweep: unknown, createdAt = Date.now()): number {
    return Number(this.insert.run(name, JSON.stringify(sweep), createdAt).lastInsertRowid);
  }

  getGroup(id: number): GroupRecord | undefined {
    const row = this.selectOne.get(id);
    return row && toRecord(row);
  }

  /** Its runs keep their rows and lose the group link. */
  deleteGroup(id: number): boolean {
    return this.deleteOne.run(id).changes === 1;
  }

  /** Newest first. */
  listGroups(limit = 50, offset = 0): GroupRecord[] {
    return this.selectPage.all(limit, offset).map(toRecord);
  }
}
