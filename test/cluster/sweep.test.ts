import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterPoller } from '../../src-main/services/cluster/poller';
import { RunService } from '../../src-main/services/runs';
import { openStore } from '../../src-main/store/store';
import { lines, temper } from '../cli/temper';
import { type SlurmCluster, startSlurm } from './slurm-fixture';

/**
 * A 2×2 sweep sent to a real single-node Slurm cluster: every run completes, its epochs equal a
 * local run of the same config, seed and backend, and a second app polling the same data folder
 * meanwhile never imports a line twice.
 */

const cluster = startSlurm();
const ready = 'conf' in cluster ? (cluster as SlurmCluster) : undefined;
let tmp: string;
let home: string;
const cli = (...args: string[]) => temper([...args, '--home', home]);
/** Starting four tasks on a 2-core node, each loading tfjs, then a local sweep of the same four runs. */
const SLOW = 400_000;

const SWEEP = {
  dataset: 'demo',
  config: { model: 'mlp', epochs: 2, batchSize: 64, limitTrain: 640, limitTest: 256, backend: 'wasm', quant: { bits: 4 } },
  sweep: { quantizer: ['lsq', 'nt'], seed: [0, 1] },
};

const curvesOf = (store: ReturnType<typeof openStore>, id: number) => {
  const { trainLoss, trainTop1, testLoss, testTop1, lr, lambda } = store.epochCurves([id])[0];
  return { trainLoss, trainTop1, testLoss, testTop1, lr, lambda };
};

beforeAll(async () => {
  if (!ready) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-cluster-sweep-'));
  home = path.join(tmp, 'home');
  expect((await cli('datasets', 'demo', path.join(tmp, 'demo'))).code).toBe(0);
  expect((await cli('datasets', 'add', path.join(tmp, 'demo'), '--name', 'demo')).code).toBe(0);
  // One thread a run on both sides: the node's task has one CPU.
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ threadsPerRun: 1 }));
  const bin = path.resolve(import.meta.dirname, '../../bin/temper.js');
  const added = await cli('clusters', 'add', 'test', '--exchange', path.join(tmp, 'exchange'), '--partition', 'debug', '--cpus', '1', '--mem', '2G',
    '--temper', `${process.execPath} ${bin}`, '--max-parallel', '2');
  expect(added.code, added.stderr).toBe(0);
  fs.writeFileSync(path.join(tmp, 'sweep.json'), JSON.stringify(SWEEP));
}, 120_000);
afterAll(() => {
  ready?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!ready)(`a sweep on Slurm${ready ? '' : `: skipped, ${(cluster as { skip: string }).skip}`}`, () => {
  it('runs as one job array, and every run equals a local run of the same config, seed and backend', async () => {
    // A second app on the same data folder polls the same runs all along.
    const other = new RunService(home);
    const otherPoller = new ClusterPoller(other, 300);
    otherPoller.start();
    const result = await temper(['sweep', '--config', path.join(tmp, 'sweep.json'), '--on', 'test', '--poll', '1', '--json', '--home', home], SLOW);
    await otherPoller.stop();
    await other.close();
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(lines(result.stdout).at(-1)!);
    const clusterIds: number[] = summary.cells.flatMap((c: { runIds: number[] }) => c.runIds);
    expect(clusterIds).toHaveLength(4);
    expect(result.stderr).toMatch(/submitted to test as job array \d+/);

    const local = await temper(['sweep', '--config', path.join(tmp, 'sweep.json'), '--json', '--home', home], SLOW);
    expect(local.code, local.stderr).toBe(0);
    const localIds: number[] = JSON.parse(lines(local.stdout).at(-1)!).cells.flatMap((c: { runIds: number[] }) => c.runIds);

    const store = openStore(home);
    try {
      const jobs = new Set<string>();
      for (const [i, id] of clusterIds.entries()) {
        const run = store.getRun(id)!;
        const twin = store.getRun(localIds[i])!;
        expect(run.status, run.error ?? '').toBe('completed');
        expect([run.config.quant.quantizer, run.config.seed]).toEqual([twin.config.quant.quantizer, twin.config.seed]);
        expect(run.backend).toBe('wasm');
        expect(curvesOf(store, id)).toEqual(curvesOf(store, twin.id));
        expect(run.finalTop1).toBe(twin.finalTop1);
        const link = store.clusters.bundleOf(id)!;
        jobs.add(link.jobId!.split('_')[0]);
        expect(link.jobId).toMatch(new RegExp(`_${i}$`));
        // Each line imported once, though two apps polled it.
        const fileLines = (name: string) => fs.readFileSync(path.join(link.dir, name), 'utf8').split('\n').filter(Boolean).length;
        expect(link.epochsRead).toBe(fileLines('epochs.jsonl'));
        expect(link.epochsRead).toBe(2);
        expect(link.stepsRead).toBe(fileLines('steps.jsonl'));
        expect(store.stepMetrics(id, 10_000)).toHaveLength(link.stepsRead);
        expect(store.latestCheckpoint(id)?.epoch).toBe(2);
      }
      expect(jobs.size).toBe(1);
      const script = fs.readFileSync(path.join(path.dirname(store.clusters.bundleOf(clusterIds[0])!.dir), 'sweep.sbatch'), 'utf8');
      expect(script).toContain('#SBATCH --array=0-3%2');
    } finally {
      store.close();
    }
  }, SLOW);
});
