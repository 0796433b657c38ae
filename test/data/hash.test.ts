import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashRoot, hashSourceFiles } from '../../src-main/data/hash';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-hash-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes files under `dir` and returns their absolute paths. */
function writeFiles(dir: string, files: Record<string, string | Buffer>): string[] {
  return Object.entries(files).map(([name, content]) => {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  });
}

describe('hashSourceFiles', () => {
  const content = { 'a.bin': Buffer.from([1, 2, 3]), 'sub/b.bin': Buffer.alloc(200_000, 7) };

  it('depends on contents and relative paths, not on the folder or the order given', async () => {
    const a = writeFiles(path.join(tmp, 'one'), content);
    const b = writeFiles(path.join(tmp, 'two'), content);
    const hashA = await hashSourceFiles(a, path.join(tmp, 'one'));
    expect(hashA).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await hashSourceFiles(b.reverse(), path.join(tmp, 'two'))).toBe(hashA);
  });

  it('changes when one byte changes', async () => {
    const files = writeFiles(tmp, content);
    const before = await hashSourceFiles(files, tmp);
    const changed = Buffer.alloc(200_000, 7);
    changed[123_456] = 8;
    fs.writeFileSync(files[1], changed);
    expect(await hashSourceFiles(files, tmp)).not.toBe(before);
  });

  it('changes when a file is renamed', async () => {
    const files = writeFiles(tmp, content);
    const before = await hashSourceFiles(files, tmp);
    const renamed = path.join(tmp, 'c.bin');
    fs.renameSync(files[0], renamed);
    expect(await hashSourceFiles([renamed, files[1]], tmp)).not.toBe(before);
  });
});

describe('hashRoot', () => {
  it('is the folder itself, or the folder of an archive', async () => {
    const [archive] = writeFiles(tmp, { 'data.tar.gz': 'x' });
    expect(await hashRoot(tmp)).toBe(tmp);
    expect(await hashRoot(archive)).toBe(tmp);
  });
});
