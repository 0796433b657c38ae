import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/store';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { lines, temper } from './temper';

/**
 * The run lifecycle through the real CLI, across processes: --detach and the background runner,
 * cancel from another process, SIGKILL mid-run and resume, concurrent writers, sweeps, compare.
 */

const BIN = path.resolve(import.meta.dirname, '../../bin/temper.js');
let tmp: string;
let home: string;

const cli = (...args: string[]) => temper([...args, '--home', home]);
const json = (stdout: string) => JSON.parse(lines(stdout).at(-1)!);
/** An mlp on 600 gratings: 18 steps an epoch, so 30 epochs leave time to act mid-run. */
const TRAIN = ['--dataset', 'g', '--model', 'mlp', '--quantizer', 'nt', '--bits', '4', '--batch-size', '32', '--lr', '0.05', '--seed', '3', '--backend', 'wasm'];
/** Each test trains up to two 30-epoch runs in child processes. */
const SLOW = 180_000;

function storeRead<T>(read: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore(home);
  try {
    return read(store);
  } finally {
    store.close();
  }
}

async function until(what: string, test: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts `temper train` in the background and resolves with its exit once it ends. */
function startTrain(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'train', ...args, '--home', home, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

/** The run id the newest row has, once a run has been created. */
const newestRun = () => storeRead((s) => s.listRuns({ limit: 1 }).rows[0]);

/** The parts of the epoch curves that do not depend on timing. */
const curvesOf = (id: number) =>
  storeRead((s) => {
    const { trainLoss, trainTop1, testLoss, testTop1, lr, lambda } = s.epochCurves([id])[0];
    return { trainLoss, trainTop1, testLoss, testTop1, lr, lambda };
  });

// A dataset import through the CLI: about 5 s on the 2-core EPYC.
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-lifecycle-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  expect((await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g')).code).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('run lifecycle across processes', () => {
  let reference: number;

  it('trains an uninterrupted reference run', async () => {
    const result = await cli('train', ...TRAIN, '--epochs', '30', '--json');
    expect(result.code, result.stderr).toBe(0);
    reference = json(result.stdout).id;
    expect(json(result.stdout).status).toBe('completed');
  }, SLOW);

  it('survives SIGKILL mid-run: the store is intact, the run is interrupted, and resume reproduces the reference epochs', async () => {
    const before = newestRun().id;
    const { child, exited } = startTrain([...TRAIN, '--epochs', '30']);
    await until('the run has two epochs', () => {
      const run = newestRun();
      return run.id > before && run.epochsDone >= 2;
    });
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    const id = newestRun().id;

    expect(storeRead((s) => s.integrityCheck())).toBe('ok');
    const listed = json((await cli('runs', 'list', '--json')).stdout) as { id: number; status: string }[];
    expect(listed.find((r) => r.id === id)?.status).toBe('interrupted');

    const resumed = await cli('runs', 'resume', String(id), '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(json(resumed.stdout)).toMatchObject({ id, status: 'completed' });
    expect(curvesOf(id)).toEqual(curvesOf(reference));
  }, SLOW);

  it('cancels a running run from another process within a step, keeps its checkpoint, and resumes it to the same epochs', async () => {
    const before = newestRun().id;
    const { exited } = startTrain([...TRAIN, '--epochs', '30']);
    await until('the run has an epoch', () => {
      const run = newestRun();
      return run.id > before && run.epochsDone >= 1;
    });
    const id = newestRun().id;
    const cancelled = await cli('runs', 'cancel', String(id), '--json');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(json(cancelled.stdout).status).toBe('cancelled');
    const trainer = await exited;
    expect(trainer.code, trainer.stderr).toBe(0);
    expect(json(trainer.stdout)).toMatchObject({ id, status: 'cancelled' });
    const run = storeRead((s) => ({ run: s.getRun(id)!, checkpoint: s.latestCheckpoint(id) }));
    expect(run.run.epochsDone).toBeLessThan(30);
    expect(run.checkpoint?.epoch).toBeGreaterThanOrEqual(1);

    const resumed = await cli('runs', 'resume', String(id), '--json');
    expect(json(resumed.stdout)).toMatchObject({ id, status: 'completed' });
    expect(curvesOf(id)).toEqual(curvesOf(reference));
  }, SLOW);

  it('queues with --detach; a background runner trains the run and exits', async () => {
    const queued = await cli('train', ...TRAIN, '--epochs', '2', '--detach', '--json');
    expect(queued.code, queued.stderr).toBe(0);
    const { id, status, runner } = json(queued.stdout);
    expect(status).toBe('queued');
    expect(runner).toEqual(expect.any(Number));
    await until('the detached run completes', () => storeRead((s) => s.getRun(id)!.status) === 'completed');
    await until('the runner exits', () => !fs.existsSync(path.join(home, 'queue.lock')), 30_000);
  }, SLOW);

  it('lets two CLI processes train into one store at once without losing rows', async () => {
    const before = newestRun().id;
    const [a, b] = await Promise.all([cli('train', ...TRAIN, '--epochs', '3', '--json'), cli('train', ...TRAIN, '--epochs', '3', '--seed', '4', '--json')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ids = [json(a.stdout).id, json(b.stdout).id].sort((x, y) => x - y);
    expect(ids).toEqual([before + 1, before + 2]);
    for (const id of ids) expect(storeRead((s) => s.epochCurves([id])[0].epoch)).toEqual([1, 2, 3]);
    expect(storeRead((s) => s.integrityCheck())).toBe('ok');
  }, SLOW);
});

// The untimed tests here run a few CLI processes: 6 s at most on the 2-core EPYC.
describe('sweeps, groups, compare and CSV', { timeout: 60_000 }, () => {
  it('expands a sweep into a group and summarises each cell with mean ± std over seeds', async () => {
    const file = path.join(tmp, 'sweep.json');
    const sweep = { dataset: 'g', config: { model: 'mlp', epochs: 1, batchSize: 32, lr: { base: 0.05 }, backend: 'wasm' }, sweep: { quantizer: ['lsq', 'nt'], seed: [0, 1] } };
    fs.writeFileSync(file, JSON.stringify(sweep));
    const result = await cli('sweep', '--config', file, '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = json(result.stdout);
    expect(summary.cells.map((c: { values: unknown }) => c.values)).toEqual([{ 'quant.quantizer': 'lsq' }, { 'quant.quantizer': 'nt' }]);
    for (const cell of summary.cells) {
      expect(cell.completed, storeRead((s) => cell.runIds.map((id: number) => s.getRun(id)!.error)).join('; ')).toBe(2);
      const finals = storeRead((s) => cell.runIds.map((id: number) => s.getRun(id)!.finalTop1!));
      const mean = (finals[0] + finals[1]) / 2;
      expect(cell.final.mean).toBeCloseTo(mean, 12);
      expect(cell.final.std).toBeCloseTo(Math.abs(finals[0] - finals[1]) / Math.SQRT2, 12);
    }
    const shown = await cli('groups', 'show', String(summary.group.id));
    expect(shown.stdout).toMatch(/quant.quantizer="nt": final \d+\.\d\d ± \d+\.\d\d %/);
  }, SLOW);

  it('compares runs by the config fields that differ, as JSON and CSV', async () => {
    const runs = json((await cli('runs', 'list', '--filter', 'quantizer in (lsq, nt) and epochs_total = 1', '--json')).stdout) as { id: number }[];
    const ids = runs.slice(0, 2).map((r) => String(r.id));
    const compared = json((await cli('compare', ...ids, '--json')).stdout);
    expect(compared.runs.map((r: { id: number }) => String(r.id))).toEqual(ids);
    expect(compared.differing.map((d: { path: string }) => d.path)).toContain('seed');
    expect(compared.differing.map((d: { path: string }) => d.path)).not.toContain('model');
    const csv = (await cli('compare', ...ids, '--csv')).stdout.trim().split('\r\n');
    expect(csv).toHaveLength(3);
    expect(csv[0].split(',')).toEqual(expect.arrayContaining(['id', 'finalTop1Percent', 'deltaTop1VsParentPoints', 'seed']));
  });

  it('lists runs as CSV with a header and one line per run', async () => {
    const total = storeRead((s) => s.listRuns().total);
    const csv = (await cli('runs', 'list', '--csv', '--limit', '1000')).stdout.trim().split('\r\n');
    expect(csv[0]).toMatch(/^id,name,status,model,dataset,quantizer,bits,seed,epochsDone,epochsTotal,bestTop1Percent,finalTop1Percent,deltaTop1VsParentPoints,/);
    expect(csv).toHaveLength(total + 1);
  });
});

describe('a data folder Temper cannot write', () => {
  it('gives one clear line naming the folder', async () => {
    const file = path.join(tmp, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const result = await temper(['train', ...TRAIN, '--epochs', '1', '--home', path.join(file, 'home')]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(path.join(file, 'home'));
  });
});
