import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/store';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { lines, temper } from './temper';

/**
 * A data folder on a nearly full disk: a 4 MiB tmpfs. Mounting needs root (CI and this machine run
 * as root); elsewhere the test is skipped and says why.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-full-disk-'));
const disk = path.join(tmp, 'disk');
fs.mkdirSync(disk);

function mountTmpfs(): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `full-disk test skipped: cannot mount a small tmpfs here (${(error as Error).message.split('\n')[0]})`;
  }
}

const unavailable = mountTmpfs();
if (unavailable) console.warn(unavailable);

// Two CLI training runs: 20 s on the 2-core EPYC, so 6x that.
describe.skipIf(unavailable !== null)(unavailable ?? 'a full disk under the data folder', { timeout: 120_000 }, () => {
  const home = path.join(disk, 'home');
  const cli = (...args: string[]) => temper([...args, '--home', home]);
  const TRAIN = ['train', '--dataset', 'g', '--model', 'mlp', '--quantizer', 'fp', '--epochs', '1', '--batch-size', '32', '--backend', 'wasm', '--json'];

  beforeAll(async () => {
    writeGratingsIdx(path.join(tmp, 'gratings'));
    expect((await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g')).code).toBe(0);
  }, 60_000);
  afterAll(() => {
    execFileSync('umount', [disk]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses new work with one line saying the disk is full, and loses nothing already stored', async () => {
    const first = await cli(...TRAIN);
    expect(first.code, first.stderr).toBe(0);
    const free = Number(fs.statfsSync(disk).bavail) * Number(fs.statfsSync(disk).bsize);
    fs.writeFileSync(path.join(disk, 'filler'), Buffer.alloc(Math.max(0, free - 64 * 1024)));

    const second = await cli(...TRAIN);
    expect(second.code).toBe(1);
    expect(lines(second.stderr).at(-1)).toMatch(new RegExp(`^temper train: (run \\d+ failed: )?(the disk holding the data folder ${home} is full|no space left on the disk)`));

    fs.rmSync(path.join(disk, 'filler'));
    const store = openStore(home);
    try {
      expect(store.integrityCheck()).toBe('ok');
      expect(store.getRun(1)).toMatchObject({ status: 'completed', epochsDone: 1 });
      expect(store.epochCurves([1])[0].epoch).toEqual([1]);
    } finally {
      store.close();
    }
  });
});
