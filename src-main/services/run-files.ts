import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { TemperStore } from '../store/interface';

/** Where a run keeps its files: checkpoint and exports. */
export function runDir(home: string, id: number): string {
  return path.join(home, 'runs', String(id));
}

export const checkpointDir = (home: string, id: number) => path.join(runDir(home, id), 'checkpoint');

/** A run's checkpoint folder: where its last checkpoint row says (a cluster or imported run's is in its bundle), else the data folder's. */
export function runCheckpointDir(home: string, store: Pick<TemperStore, 'latestCheckpoint'>, id: number): string {
  return store.latestCheckpoint(id)?.path ?? checkpointDir(home, id);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let commit: string | null | undefined;

/** The checkout's commit when Temper runs from a git checkout, for the run's reproducibility record; asked of git once. */
export function gitCommit(): string | null {
  if (commit === undefined) commit = readGitCommit();
  return commit;
}

function readGitCommit(): string | null {
  try {
    const root = path.resolve(import.meta.dirname, '../..');
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}
