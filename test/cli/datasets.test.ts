import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunService } from '../../src-main/services/runs';
import { writeIdxFolder } from '../helpers/idx-folder';
import { type CliResult, lines, temper } from './temper';

let tmp: string;
let home: string;
let digits: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-cli-datasets-'));
  home = path.join(tmp, 'home');
  digits = path.join(tmp, 'digits');
  writeIdxFolder(digits, { train: 50, test: 10, classes: 5, gzip: true });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const datasets = (...args: string[]) => temper(['datasets', ...args, '--home', home]);

/** The contract of `add --json` and of each element of `list --json`. */
function expectContract(value: unknown, name: string): void {
  expect(value).toMatchObject({
    name,
    format: 'idx',
    shape: [8, 8, 1],
    classes: ['0', '1', '2', '3', '4'],
    splits: { train: { count: 45 }, val: { count: 5 }, test: { count: 10 } },
  });
}

/** A failure is one line on stderr, prefixed by the command, and a non-zero exit. */
function expectOneLineError(result: CliResult, pattern: RegExp | string): void {
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(lines(result.stderr)).toHaveLength(1);
  expect(result.stderr).toMatch(/^temper datasets: /);
  if (typeof pattern === 'string') expect(result.stderr).toContain(pattern);
  else expect(result.stderr).toMatch(pattern);
}

// Up to 12 CLI processes a test: 47 s at most on the 2-core EPYC under load, so about 4x that.
describe('temper datasets (the real CLI in a child process)', { timeout: 180_000 }, () => {
  it('add --json prints exactly one JSON object with the contract fields', async () => {
    const result = await datasets('add', digits, '--name', 'digits', '--json');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(1);
    expectContract(JSON.parse(result.stdout), 'digits');
    // Not a terminal: no progress bar, just the closing line.
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^imported 'digits' \(train 45, val 5 \(carved\), test 10\) in [\d.]+ s$/)]);
  });

  it('list --json prints an array of the same objects, sorted by name', async () => {
    expect((await datasets('add', digits, '--name', 'another', '--seed', '4', '--json')).code).toBe(0);
    const result = await datasets('list', '--json');
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as unknown[];
    expect(list).toHaveLength(2);
    expectContract(list[0], 'another');
    expectContract(list[1], 'digits');
  });

  it('list and show print tables and details for people', async () => {
    const table = lines((await datasets('list')).stdout);
    expect(table[0]).toMatch(/^NAME\s+FORMAT\s+SHAPE\s+CLASSES\s+TRAIN\s+VAL\s+TEST$/);
    expect(table[2]).toMatch(/^digits\s+idx\s+8x8x1\s+5\s+45\s+5\s+10$/);
    const show = await datasets('show', 'digits');
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('digits: idx, 8x8x1, 5 classes');
    expect(show.stdout).toContain(`source:   ${digits}`);
    expectContract(JSON.parse((await datasets('show', 'digits', '--json')).stdout), 'digits');
  });

  it('refuses a name that is taken, with one line and exit 1', async () => {
    expectOneLineError(await datasets('add', digits, '--name', 'digits'), "a dataset named 'digits' already exists");
  });

  it('remove deletes the dataset; show then fails with one line', async () => {
    const removed = await datasets('remove', 'another');
    expect(removed.code).toBe(0);
    expect(removed.stdout.trim()).toBe('removed another');
    expect(fs.existsSync(path.join(home, 'datasets', 'another'))).toBe(false);
    expectOneLineError(await datasets('show', 'another'), "no dataset named 'another'");
  });

  it('remove refuses a dataset that queued runs use, naming them, as the API does', async () => {
    const runs = new RunService(home);
    const id = await runs.submit({ config: { model: 'mlp', epochs: 1 }, dataset: 'digits' });
    await runs.close();
    expectOneLineError(await datasets('remove', 'digits'), `dataset 'digits' is used by run ${id} (queued); delete those runs first`);
    expect(fs.existsSync(path.join(home, 'datasets', 'digits', 'manifest.json'))).toBe(true);
    const cleanup = new RunService(home);
    cleanup.store.deleteRun(id);
    await cleanup.close();
  });

  it('a broken IDX file fails in one line naming the file, and registers nothing', async () => {
    const broken = path.join(tmp, 'broken');
    writeIdxFolder(broken, { train: 20, test: 5 });
    fs.writeFileSync(path.join(broken, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 20, 1, 2]));
    expectOneLineError(await datasets('add', broken, '--name', 'broken', '--json'), path.join(broken, 'train-labels-idx1-ubyte'));
    const names = (JSON.parse((await datasets('list', '--json')).stdout) as { name: string }[]).map((d) => d.name);
    expect(names).toEqual(['digits']);
    expect(fs.readdirSync(path.join(home, 'datasets')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('explains bad arguments', async () => {
    const cases: [string[], string][] = [
      [['frobnicate'], "expected a subcommand (add, list, show, remove, demo), got 'frobnicate'"],
      [['add', digits, '--size', '32x'], '--size must be <side> or <height>x<width>'],
      [['add', digits, '--format', 'png'], "--format must be one of idx, cifar10, cifar100, image-folder, got 'png'"],
      [['list', '--name', 'x'], 'datasets list does not take --name'],
      [['show'], 'datasets show takes exactly one dataset name, got 0'],
      [['add', path.join(tmp, 'missing')], path.join(tmp, 'missing')],
    ];
    const results = await Promise.all(cases.map(([args]) => datasets(...args)));
    results.forEach((result, i) => expectOneLineError(result, cases[i][1]));
  });

  it('demo writes an image folder that imports as 10 classes of 32x32 RGB', async () => {
    const dir = path.join(tmp, 'demo');
    const written = await datasets('demo', dir, '--seed', '2');
    expect(written.code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'train'))).toHaveLength(10);
    const result = await datasets('add', dir, '--json');
    expect(result.code).toBe(0);
    const manifest = JSON.parse(result.stdout) as { name: string; shape: number[]; classes: string[]; splits: Record<string, { count: number }> };
    expect(manifest.name).toBe('demo');
    expect(manifest.shape).toEqual([32, 32, 3]);
    expect(manifest.classes).toHaveLength(10);
    expect(manifest.splits.train.count + manifest.splits.val.count).toBe(5000);
    expect(manifest.splits.test.count).toBe(1000);
  });
});
