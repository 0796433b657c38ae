import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './run-files';

/**
 * One process per data folder drains the run queue: the app (temper serve, Electron) while it is
 * open, else a background `temper runner` that --detach starts. The lock file holds its pid.
 */
export const QUEUE_LOCK = 'queue.lock';

const lockFile = (home: string) => path.join(home, QUEUE_LOCK);

/** Takes the queue lock for this process; false when a live process holds it. */
export function acquireQueueLock(home: string): boolean {
  const file = lockFile(home);
  fs.mkdirSync(home, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (holder === process.pid) return true;
      if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) return false;
      // Left by a process that died: take it over.
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

export function releaseQueueLock(home: string): void {
  const file = lockFile(home);
  try {
    if (Number(fs.readFileSync(file, 'utf8')) === process.pid) fs.rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}

/** The pid holding the queue lock, if it is alive. */
export function queueHolder(home: string): number | null {
  try {
    const pid = Number(fs.readFileSync(lockFile(home), 'utf8'));
    return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Starts a background `temper runner` for the data folder unless a live process drains its queue. */
export function ensureQueueRunner(home: string): number | null {
  const holder = queueHolder(home);
  if (holder !== null) return holder;
  const bin = path.resolve(import.meta.dirname, '../../bin/temper.js');
  const log = fs.openSync(path.join(home, 'runner.log'), 'a');
  const child = spawn(process.execPath, [bin, 'runner', '--home', home], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  fs.closeSync(log);
  return child.pid ?? null;
}
