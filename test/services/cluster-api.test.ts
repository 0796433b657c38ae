import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemperEvent } from '../../shared/api';
import { parseApiArgs } from '../../shared/api-schemas';
import { readStatus } from '../../src-main/services/cluster/bundle';
import { openApiService, type ApiService } from '../../src-main/services/api-service';
import { type SlurmCluster, startSlurm } from '../cluster/slurm-fixture';
import { ONEDNN_BUILT } from '../helpers/onednn';
import { writeGratingsIdx } from '../helpers/idx-folder';

/**
 * The cluster calls of TemperApi on a real store, and against the real single-node Slurm of
 * test/cluster/slurm-cluster.sh: profiles added, edited and removed with errors naming the field,
 * "Test connection", runs and sweeps sent with `where`, followed by the app's own poller (their
 * epochs land in the store as live events), cancel as scancel, resume as a new submission, and a
 * task past its time limit requeued where the profile asks for it.
 */

const cluster = startSlurm();
const ready = 'conf' in cluster ? (cluster as SlurmCluster) : undefined;
const BIN = path.resolve(import.meta.dirname, '../../bin/temper.js');
/** An mlp on 600 gratings: 18 steps an epoch on wasm. */
const config = { model: 'mlp', quant: { quantizer: 'nt', bits: 4 }, epochs: 2, batchSize: 32, lr: { base: 0.05 }, backend: 'wasm', seed: 3 } as const;

let tmp: string;
let backend: ApiService;
const events: TemperEvent[] = [];

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const statusOf = async (id: number) => (await backend.getRun(id)).run.status;
/** A call as the IPC handlers and the web server make it: arguments checked by the shared schemas first. */
const call = async <M extends 'addCluster' | 'updateCluster' | 'removeCluster'>(method: M, ...args: unknown[]) =>
  (backend[method] as (...a: unknown[]) => Promise<unknown>).apply(backend, parseApiArgs(method, args) as unknown[]);
const profile = (name: string, patch: Record<string, unknown> = {}) => ({
  name, exchange: path.join(tmp, 'exchange'), partition: 'debug', cpusPerTask: 1, memPerTask: '2G', temperCommand: `${process.execPath} ${BIN}`, ...patch,
});

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-cluster-api-'));
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  // Without a shell named, the API service is in web mode: the exchange folder must exist already.
  fs.mkdirSync(path.join(tmp, 'exchange'));
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ threadsPerRun: 1 }));
  writeGratingsIdx(path.join(tmp, 'gratings'));
  backend = await openApiService(home);
  backend.onEvent((e) => events.push(e));
  await backend.importDataset({ source: path.join(tmp, 'gratings'), name: 'g' });
}, 60_000);
afterAll(async () => {
  await backend?.close();
  ready?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('cluster profiles through the API', () => {
  it('adds, lists, edits and removes profiles; each bad field is named, and a taken or unknown name refused', async () => {
    await expect(call('addCluster', profile('bad', { exchange: 'relative', timeLimit: 'soon' }))).rejects.toThrow(
      /^addCluster: argument 0\.timeLimit: expected a Slurm time such as 30, 01:00:00 or 1-00:00:00; argument 0\.exchange: expected an absolute path$/,
    );
    await expect(call('addCluster', { ...profile('typo'), partiton: 'debug' })).rejects.toThrow("addCluster: argument 0: unknown field 'partiton' (did you mean 'partition'?)");
    const added = await call('addCluster', profile('hpc', { extraSbatch: ['#SBATCH --constraint=x'], setup: 'true' }));
    expect(added).toMatchObject({ name: 'hpc', gpusPerTask: 0, qos: null, requeueOnTimeout: false, extraSbatch: ['#SBATCH --constraint=x'] });
    await expect(call('addCluster', profile('hpc'))).rejects.toThrow("cluster profile 'hpc': name: a profile of that name exists (edit it instead)");
    await call('updateCluster', profile('hpc', { timeLimit: '00:30:00', requeueOnTimeout: true }));
    expect(await backend.listClusters()).toEqual([expect.objectContaining({ name: 'hpc', timeLimit: '00:30:00', requeueOnTimeout: true, setup: '' })]);
    await expect(call('updateCluster', profile('nobody'))).rejects.toThrow("no cluster profile 'nobody' (known: hpc)");
    await call('removeCluster', 'hpc');
    expect(await backend.listClusters()).toEqual([]);
    await expect(call('removeCluster', 'hpc')).rejects.toThrow("no cluster profile 'hpc'");
  });

  it('a run sent to an unknown profile is refused and nothing is queued', async () => {
    expect(() => parseApiArgs('startRun', [{ config, dataset: 'g' }, '../x'])).toThrow(/^startRun: argument 1: expected 1 to 64 letters/);
    await expect(backend.startRun({ config, dataset: 'g' }, 'nobody')).rejects.toThrow(/no cluster profile 'nobody'/);
    expect((await backend.listRuns({})).total).toBe(0);
  });
});

describe.skipIf(!ready)(`the API on a real Slurm${ready ? '' : `: skipped, ${(cluster as { skip: string }).skip}`}`, { timeout: 240_000 }, () => {
  beforeAll(async () => {
    await backend.addCluster(profile('test'));
  });

  it('testCluster runs a tiny job and reports the node and the backend temper doctor picks there', async () => {
    const report = await backend.testCluster('test');
    expect(report).toMatchObject({ node: os.hostname(), backend: ONEDNN_BUILT ? 'onednn' : 'wasm', partitions: ['debug'], jobId: expect.stringMatching(/^\d+$/) });
  });

  it('a sweep with where: the profile is one job array; the app polls it, imports each epoch as a live event, and both runs complete', async () => {
    const { groupId, runIds, jobId } = await backend.startSweep({ config, dataset: 'g', sweep: { seed: [0, 1] } }, 'test');
    expect(runIds).toHaveLength(2);
    expect((await backend.getRun(runIds[1])).cluster).toMatchObject({ cluster: 'test', jobId: `${jobId}_1` });
    for (const id of runIds) await until(`run ${id} completes`, async () => (await statusOf(id)) === 'completed');
    const { run, cluster: job, group } = await backend.getRun(runIds[0]);
    expect(group?.id).toBe(groupId);
    expect(run).toMatchObject({ epochsDone: 2, backend: 'wasm', finalTop1: expect.any(Number) });
    expect(job).toMatchObject({ cluster: 'test', jobId: `${jobId}_0`, dir: expect.stringContaining(path.join(tmp, 'exchange', 'sweeps')) });
    const mine = events.filter((e) => 'id' in e && e.id === runIds[0]);
    expect(mine.filter((e) => e.type === 'run-status').map((e) => (e as { status: string }).status)).toEqual(['queued', 'running', 'completed']);
    expect(mine.filter((e) => e.type === 'run-epoch').map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2]);
  });

  it('cancelRun of a running cluster run is scancel; removing its profile is refused meanwhile; resumeRun submits it again and it completes', async () => {
    const { id, jobId } = await backend.startRun({ config: { ...config, epochs: 30 }, dataset: 'g' }, 'test');
    expect(jobId).toMatch(/^\d+_0$/);
    const dir = (await backend.getRun(id)).cluster!.dir;
    await until('the task has written a checkpoint', () => (readStatus(dir)?.checkpointEpoch ?? 0) >= 1);
    await expect(backend.removeCluster('test')).rejects.toThrow(`cluster profile 'test' has queued or running runs (${id}): cancel them or let them end first`);
    expect(await backend.cancelRun(id)).toMatchObject({ id, status: 'cancelled' });
    await backend.resumeRun(id);
    const again = (await backend.getRun(id)).cluster!;
    expect(again.jobId).not.toBe(jobId);
    await until('the resumed run completes', async () => (await statusOf(id)) === 'completed');
    expect((await backend.getRun(id)).run.epochsDone).toBe(30);
    expect(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8')).toContain('resuming on');
  });

  it('a profile with requeueOnTimeout submits a task stopped at its time limit again, from its checkpoint', async () => {
    await backend.addCluster(profile('short', { timeLimit: '1', requeueOnTimeout: true }));
    const { id, jobId } = await backend.startRun({ config: { ...config, epochs: 5000 }, dataset: 'g' }, 'short');
    // Slurm's shortest limit is a minute; then SIGTERM, KillWait and the app's next poll.
    await until('the task is submitted again', async () => (await backend.getRun(id)).cluster!.jobId !== jobId, 200_000);
    const statuses = events.filter((e) => e.type === 'run-status' && e.id === id).map((e) => (e as { status: string }).status);
    expect(statuses).toEqual(['queued', 'running', 'interrupted', 'queued']);
    expect((await backend.getRun(id)).checkpoints.length).toBeGreaterThan(0);
    expect(await backend.cancelRun(id)).toMatchObject({ status: 'cancelled' });
  }, 280_000);
});
