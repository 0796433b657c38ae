import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireQueueLock, QUEUE_LOCK, releaseQueueLock } from '../../src-main/services/queue-lock';

let home: string;
beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-lock-'))));
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('the queue lock', () => {
  it('is taken once, again by its holder, and released only by it', () => {
    expect(acquireQueueLock(home)).toBe(true);
    expect(acquireQueueLock(home)).toBe(true);
    expect(fs.readFileSync(path.join(home, QUEUE_LOCK), 'utf8')).toBe(String(process.pid));
    releaseQueueLock(home);
    expect(fs.existsSync(path.join(home, QUEUE_LOCK))).toBe(false);
  });

  it('is refused while a live process holds it, and taken over from a dead one', () => {
    fs.writeFileSync(path.join(home, QUEUE_LOCK), String(process.ppid));
    expect(acquireQueueLock(home)).toBe(false);
    releaseQueueLock(home); // not ours: stays
    expect(fs.readFileSync(path.join(home, QUEUE_LOCK), 'utf8')).toBe(String(process.ppid));
    fs.writeFileSync(path.join(home, QUEUE_LOCK), String(2 ** 22 + 12_345));
    expect(acquireQueueLock(home)).toBe(true);
  });
});
