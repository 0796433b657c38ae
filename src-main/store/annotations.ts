import type { Db } from './db';
import type { CheckpointRecord, NoteRecord } from './types';

/** Runs `write`, turning a foreign-key failure into an error that names the missing run. */
export function forExistingRun<T>(call: string, runId: number, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new Error(`${call}: run ${runId} does not exist`);
    throw error;
  }
}

/** What the user and the trainer attach to a run: tags, notes and checkpoint files. */
export class AnnotationQueries {
  private readonly insertTag;
  private readonly deleteTag;
  private readonly selectTags;
  private readonly insertNote;
  private readonly selectNotes;
  private readonly insertCheckpoint;
  private readonly selectCheckpoints;
  private readonly selectLatestCheckpoint;

  constructor(db: Db) {
    this.insertTag = db.prepare('INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)');
    this.deleteTag = db.prepare('DELETE FROM tags WHERE run_id = ? AND tag = ?');
    this.selectTags = db.prepare<[number], { tag: string }>('SELECT tag FROM tags WHERE run_id = ? ORDER BY tag');
    this.insertNote = db.prepare('INSERT INTO notes (run_id, text, created_at) VALUES (?, ?, ?)');
    this.selectNotes = db.prepare<[number], NoteRecord>('SELECT id, run_id AS runId, text, created_at AS createdAt FROM notes WHERE run_id = ? ORDER BY id');
    this.insertCheckpoint = db.prepare(`INSERT INTO checkpoints (run_id, epoch, path, bytes, created_at) VALUES (@runId, @epoch, @path, @bytes, @createdAt)
      ON CONFLICT (run_id, epoch) DO UPDATE SET path = excluded.path, bytes = excluded.bytes, created_at = excluded.created_at`);
    const checkpointColumns = 'id, run_id AS runId, epoch, path, bytes, created_at AS createdAt';
    this.selectCheckpoints = db.prepare<[number], CheckpointRecord>(`SELECT ${checkpointColumns} FROM checkpoints WHERE run_id = ? ORDER BY epoch`);
    this.selectLatestCheckpoint = db.prepare<[number], CheckpointRecord>(`SELECT ${checkpointColumns} FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC LIMIT 1`);
  }

  /** Adding a tag the run already has is a no-op. */
  addTag(runId: number, tag: string): void {
    const trimmed = tag.trim();
    if (!trimmed) throw new Error(`addTag: tag must not be empty (run ${runId})`);
    forExistingRun('addTag', runId, () => this.insertTag.run(runId, trimmed));
  }

  removeTag(runId: number, tag: string): boolean {
    return this.deleteTag.run(runId, tag.trim()).changes === 1;
  }

  tagsOf(runId: number): string[] {
    return this.selectTags.all(runId).map((r) => r.tag);
  }

  addNote(runId: number, text: string, createdAt = Date.now()): number {
    return Number(forExistingRun('addNote', runId, () => this.insertNote.run(runId, text, createdAt)).lastInsertRowid);
  }

  notesOf(runId: number): NoteRecord[] {
    return this.selectNotes.all(runId);
  }

  /** Records a checkpoint file; writing an epoch's checkpoint again replaces the row. */
  addCheckpoint(checkpoint: Omit<CheckpointRecord, 'id' | 'createdAt'> & { createdAt?: number }): void {
    forExistingRun('addCheckpoint', checkpoint.runId, () => this.insertCheckpoint.run({ ...checkpoint, createdAt: checkpoint.createdAt ?? Date.now() }));
  }

  checkpointsOf(runId: number): CheckpointRecord[] {
    return this.selectCheckpoints.all(runId);
  }

  latestCheckpoint(runId: number): CheckpointRecord | undefined {
    return this.selectLatestCheckpoint.get(runId);
  }
}
