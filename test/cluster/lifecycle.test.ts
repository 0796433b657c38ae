import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../../src-main/services/cluster/bundle';
import { ClusterPoller } from '../../src-main/services/cluster/poller';
import { queuedTasks } from '../../src-main/services/cluster/slurm';
import { parseClusterProfile } from '../../src-main/services/cluster/profile';
import { RunService } from '../../src-main/services/runs';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { lines, temper } from '../cli/temper';
import { type SlurmCluster, startSlurm } from './slurm-fixture';
import { ONEDNN_BUILT } from '../helpers/onednn';

/**
 * Cluster runs on a real single-node Slurm: a bad profile queues nothing; cancel is scancel and
 * keeps the checkpoint; a task killed with SIGKILL becomes interrupted and a resume (a new
 * submission) finishes it with the epochs of an uninterrupted run; a task past its time limit is
 * interrupted with Slurm's reason.
 */

const cluster = startSlurm();
const ready = 'conf' in cluster ? (cluster as SlurmCluster) : undefined;
const BIN = path.resolve(import.meta.dirname, '../../bin/temper.js');
let tmp: string;
let home: string;
let watcher: RunService;
let poller: ClusterPoller;
const cli = (...args: string[]) => temper([...args, '--home', home], 200_000);
const json = (stdout: string) => JSON.parse(lines(stdout).at(-1)!);
/** An mlp on 600 gratings: 18 steps an epoch, so 30 epochs leave time to act mid-run. */
const TRAIN = ['--dataset', 'g', '--model', 'mlp', '--quantizer', 'nt', '--bits', '4', '--batch-size', '32', '--lr', '0.05', '--seed', '3', '--backend', 'wasm'];

async function until(what: string, test: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const run = (id: number) => watcher.store.getRun(id)!;
const curvesOf = (id: number) => {
  const { trainLoss, trainTop1, testLoss, testTop1, lr, lambda } = watcher.store.epochCurves([id])[0];
  return { trainLoss, trainTop1, testLoss, testTop1, lr, lambda };
};

async function addProfile(name: string, ...flags: string[]) {
  const added = await cli('clusters', 'add', name, '--exchange', path.join(tmp, 'exchange'), '--partition', 'debug', '--cpus', '1', '--mem', '2G', '--temper', `${process.execPath} ${BIN}`, ...flags);
  expect(added.code, added.stderr).toBe(0);
}

beforeAll(async () => {
  if (!ready) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-cluster-life-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  expect((await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g')).code).toBe(0);
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ threadsPerRun: 1 }));
  await addProfile('test');
  // Another app on the same data folder, following the cluster runs as the GUI would.
  watcher = new RunService(home);
  poller = new ClusterPoller(watcher, 500);
  poller.start();
}, 120_000);
afterAll(async () => {
  await poller?.stop();
  await watcher?.close();
  ready?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!ready)(`cluster runs on Slurm${ready ? '' : `: skipped, ${(cluster as { skip: string }).skip}`}`, () => {
  it('a bad profile is a clear error naming the field, and nothing is queued', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    await addProfile('no-sbatch', '--prefix', '/nonexistent/ssh login1');
    await addProfile('no-partition', '--partition', 'nosuch');
    await addProfile('no-exchange', '--exchange', path.join(file, 'exchange'));
    const cases: [string, RegExp][] = [
      ['no-sbatch', /cluster 'no-sbatch': commandPrefix: '\/nonexistent\/ssh' is not installed here/],
      ['no-partition', /cluster 'no-partition': partition: no partition 'nosuch' on the cluster \(it has debug\)/],
      ['no-exchange', /cluster 'no-exchange': exchange: .*a-file\/exchange: cannot write into it \(ENOTDIR\)/],
      ['nobody', /no cluster profile 'nobody' \(known: .*test/],
    ];
    for (const [profile, message] of cases) {
      const result = await cli('train', ...TRAIN, '--epochs', '1', '--on', profile);
      expect(result.code, profile).toBe(1);
      expect(result.stderr, profile).toMatch(message);
    }
    const invalid = await cli('clusters', 'add', 'bad', '--exchange', 'relative/folder', '--time', 'soon');
    expect(invalid.stderr).toContain("cluster profile 'bad': timeLimit: expected a Slurm time such as 30, 01:00:00 or 1-00:00:00; exchange: expected an absolute path");
    expect(watcher.store.listRuns().total).toBe(0);
    expect(fs.existsSync(path.join(tmp, 'exchange', 'sweeps')) ? fs.readdirSync(path.join(tmp, 'exchange', 'sweeps')) : []).toEqual([]);
    expect((await cli('clusters', 'remove', 'no-exchange')).code).toBe(0);
    expect(json((await cli('clusters', 'list', '--json')).stdout).map((p: { name: string }) => p.name)).toEqual(['no-partition', 'no-sbatch', 'test']);
  }, 120_000);

  it('clusters test runs a tiny job and reports the node and the backend temper doctor picks there', async () => {
    const result = await cli('clusters', 'test', 'test', '--json');
    expect(result.code, result.stderr).toBe(0);
    // The node is this machine: doctor picks onednn where its addon is built, else wasm.
    expect(json(result.stdout)).toMatchObject({ node: os.hostname(), backend: ONEDNN_BUILT ? 'onednn' : 'wasm', partitions: ['debug'] });
  }, 120_000);

  it('runs cancel on a running cluster run is scancel: the run is cancelled and its checkpoint kept', async () => {
    const submitted = await cli('train', ...TRAIN, '--epochs', '200', '--on', 'test', '--detach', '--json');
    expect(submitted.code, submitted.stderr).toBe(0);
    const { id, jobId } = json(submitted.stdout);
    await until('the run has a checkpoint', () => run(id).status === 'running' && (watcher.store.latestCheckpoint(id)?.epoch ?? 0) >= 1);
    const cancelled = await cli('runs', 'cancel', String(id), '--json');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(json(cancelled.stdout)).toMatchObject({ id, status: 'cancelled' });
    const profile = parseClusterProfile(watcher.store.clusters.getProfile('test'));
    const deadline = Date.now() + 60_000;
    let state: string | undefined;
    while (Date.now() < deadline && state !== 'CANCELLED') {
      state = (await queuedTasks(profile)).get(`${jobId}_0`)?.state;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(state).toBe('CANCELLED');
    const link = watcher.store.clusters.bundleOf(id)!;
    expect(fs.existsSync(path.join(link.dir, 'checkpoint', 'checkpoint.json'))).toBe(true);
    expect(run(id).status).toBe('cancelled');
    expect(run(id).epochsDone).toBeLessThan(200);
  }, 180_000);

  it('a task killed with SIGKILL becomes interrupted; resume submits it again and it ends with the epochs of an uninterrupted run', async () => {
    const reference = await cli('train', ...TRAIN, '--epochs', '12', '--json');
    expect(reference.code, reference.stderr).toBe(0);
    const submitted = await cli('train', ...TRAIN, '--epochs', '12', '--on', 'test', '--detach', '--json');
    const { id, jobId } = json(submitted.stdout);
    await until('two epochs are imported', () => run(id).epochsDone >= 2);
    const link = watcher.store.clusters.bundleOf(id)!;
    process.kill(readStatus(link.dir)!.pid, 'SIGKILL');
    await until('the run is interrupted', () => run(id).status === 'interrupted');
    expect(run(id).error).toMatch(/interrupted: the task ended without a result \(Slurm: FAILED.*resume continues from the last checkpoint/);
    expect(run(id).epochsDone).toBeLessThan(12);

    const resumed = await cli('runs', 'resume', String(id), '--poll', '1', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(json(resumed.stdout)).toMatchObject({ id, status: 'completed' });
    const again = watcher.store.clusters.bundleOf(id)!;
    expect(again.jobId).not.toBe(`${jobId}_0`);
    expect(fs.readFileSync(path.join(link.dir, 'log.txt'), 'utf8')).toContain('resuming on');
    expect(curvesOf(id)).toEqual(curvesOf(json(reference.stdout).id));
  }, 240_000);

  it('a task past its time limit is interrupted with Slurm\'s reason, its checkpoint kept', async () => {
    await addProfile('short', '--time', '1');
    const submitted = await cli('train', ...TRAIN, '--epochs', '5000', '--on', 'short', '--detach', '--json');
    const { id } = json(submitted.stdout);
    await until('Slurm stops the task at its time limit', () => run(id).status === 'interrupted', 200_000);
    expect(run(id).error).toMatch(/interrupted: the task reached its time limit \(Slurm: TIMEOUT/);
    expect(run(id).epochsDone).toBeGreaterThan(0);
    expect(watcher.store.latestCheckpoint(id)?.epoch).toBeGreaterThan(0);
  }, 300_000);
});
