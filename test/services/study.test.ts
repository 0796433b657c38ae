import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudySpecInput } from '../../shared/study';
import { RunService } from '../../src-main/services/runs';
import { StudyService } from '../../src-main/services/study';
import { writeGratingsIdx } from '../helpers/idx-folder';

let tmp: string;
let home: string;

/** The tiny study: 2 quantizers × 1 bit-width × 2 seeds, one epoch each, a 3-probe trace on 64 images. */
const TINY: StudySpecInput = {
  name: 'tiny',
  dataset: 'g',
  parent: { train: { epochs: 1 } },
  recipe: { model: 'mlp', epochs: 1, batchSize: 32, lr: { base: 0.05 }, backend: 'wasm' },
  grid: { quantizers: ['lsq', 'nt'], bits: [2], seeds: [0, 1] },
  measures: ['trace'],
  sharpness: { images: 64, trace: { minIterations: 3, maxIterations: 3 } },
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-study-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  const service = new RunService(home);
  await service.datasets.add(path.join(tmp, 'gratings'), { name: 'g' });
  await service.close();
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Five tiny runs and four short traces on the wasm pool; the one-off CLI run of the same took 100 s on the loaded 2-core EPYC, so 4x that.
describe('a tiny study through the real service and store', { timeout: 400_000 }, () => {
  it('trains the parent, then every grid run from it with paired seeds, measures each, and computes the paired differences', async () => {
    const runs = new RunService(home);
    try {
      const studies = new StudyService(runs);
      const id = await studies.create(TINY);
      expect(studies.view(id)).toMatchObject({ status: 'created', progress: { total: 4, finished: 0 } });
      const view = await studies.run(id);
      expect(view).toMatchObject({ status: 'completed', progress: { total: 4, finished: 4, completed: 4, measured: 4 } });

      const parent = runs.store.getRun(view.parentRunId!)!;
      expect(parent).toMatchObject({ status: 'completed', quantizer: 'fp', groupId: view.groupId });
      const children = view.entries.map((e) => runs.store.getRun(e.runId!)!);
      expect(children.map((r) => [r.quantizer, r.bits, r.seed, r.parentId, r.groupId])).toEqual([
        ['lsq', 2, 0, parent.id, view.groupId],
        ['lsq', 2, 1, parent.id, view.groupId],
        ['nt', 2, 0, parent.id, view.groupId],
        ['nt', 2, 1, parent.id, view.groupId],
      ]);
      // Everything but the quantizer is the same between the two runs of a seed.
      const { quant: _a, ...lsq0 } = children[0].config;
      const { quant: _b, ...nt0 } = children[2].config;
      expect(nt0).toEqual(lsq0);
      for (const entry of view.entries) {
        // Three probes can give a negative estimate; what matters is that it is stored and linked.
        expect(Number.isFinite(entry.trace)).toBe(true);
        expect(runs.store.sharpnessOf(entry.runId!)).toHaveLength(1);
      }

      const top1 = view.results.differences.find((d) => d.measure === 'top1')!;
      expect(top1.interval).toMatchObject({ method: 'paired', n: [2, 2], df: 1 });
      const expected = ((children[2].finalTop1! - children[0].finalTop1!) + (children[3].finalTop1! - children[1].finalTop1!)) * 50;
      expect(top1.interval.estimate).toBeCloseTo(expected, 9);
      expect(view.results.verdicts).toEqual([top1.verdict]);
      // Two seeds whose top-1 differences can be equal on the tiny test set: then the comparison is degenerate.
      expect(top1.verdict).toMatch(
        /^nt − lsq at W2A2: [+−]\d+\.\d\d pt (\[[+−]\d+\.\d\d, [+−]\d+\.\d\d\], p [=<] \d\.\d{3}, Holm p [=<] \d\.\d{3}, (not significant|significant \((higher|lower)\))|, degenerate \(all paired differences equal: no variance to test\)) at n=2$/,
      );
      expect(view.results.correction).toMatch(/Holm-adjusted|No comparison has a p-value yet/);
      expect(view.results.differences.map((d) => d.measure)).toEqual(['top1', 'trace']);
      // Every grid run, whatever its seed, was tested on the same images: nothing to mark.
      expect(new Set(view.entries.map((e) => e.testSet?.hash)).size).toBe(1);
      expect(view.entries[0].testSet).not.toBeNull();
      expect(view.results.testSets).toBeNull();

      // Run again: nothing is left to train or measure.
      const again = await studies.run(id);
      expect(again.entries.map((e) => e.runId)).toEqual(view.entries.map((e) => e.runId));
      for (const entry of again.entries) expect(runs.store.sharpnessOf(entry.runId!)).toHaveLength(1);
      expect(runs.store.listGroupRuns(view.groupId)).toHaveLength(5);

      // A run that ended failed (as a diverged one does): the view pairs on the seed left, names the one missing and lists the run.
      const error = 'Training diverged at epoch 1, step 3: the loss is NaN (lr 0.0500); try a lower learning rate';
      runs.store.finishRun(children[3].id, { status: 'failed', error });
      const after = studies.view(id);
      const pairedLeft = after.results.differences.find((d) => d.measure === 'top1')!;
      expect(pairedLeft).toMatchObject({ seeds: [0], missing: ['nt seed 1 (diverged)'], interval: { method: 'paired', n: [1, 1] } });
      expect(pairedLeft.verdict).toMatch(/, no interval at n=1; missing nt seed 1 \(diverged\)$/);
      expect(after.results.leftOut).toEqual([{ runId: children[3].id, cell: after.entries[3].cell, seed: 1, status: 'diverged', reason: error }]);
    } finally {
      await runs.close();
    }
  });

  it('refuses a bad spec before storing anything, naming the field', async () => {
    const runs = new RunService(home);
    try {
      const studies = new StudyService(runs);
      const before = runs.store.studies.listStudies().length;
      const bad = (patch: Record<string, unknown>) => studies.create({ ...TINY, ...patch });
      await expect(bad({ baseline: 'pqn' })).rejects.toThrow("Invalid study spec: baseline: 'pqn' is not one of grid.quantizers (lsq, nt)");
      await expect(bad({ grid: { ...TINY.grid, bits: [1] } })).rejects.toThrow('grid.bits.0');
      await expect(bad({ recipe: { ...TINY.recipe, seed: 3 } })).rejects.toThrow("recipe.seed: set by the grid; leave 'seed' out of the recipe");
      await expect(bad({ recipe: { ...TINY.recipe, epoch: 3 } })).rejects.toThrow(/recipe for lsq W2A2 seed 0: .*unknown field 'epoch' \(did you mean 'epochs'\?\)/);
      await expect(bad({ grid: { ...TINY.grid, paths: { lamda0: [1] } } })).rejects.toThrow('grid.paths.lamda0: not a config field path');
      await expect(bad({ parent: { run: 99 } })).rejects.toThrow('parent.run: no run 99');
      await expect(bad({ sharpness: { images: 0 } })).rejects.toThrow(/sharpness: .*images/);
      await expect(bad({ sharpness: { imgaes: 64 } })).rejects.toThrow("sharpness: Invalid sharpness parameters: (params): unknown field 'imgaes' (did you mean 'images'?)");
      await expect(bad({ sharpness: { trace: { probes: 3 } } })).rejects.toThrow("trace: unknown field 'probes' (known: maxIterations, minIterations, relativeStderr)");
      await expect(bad({ grid: { ...TINY.grid, paths: { quant: [{ quantizer: 'nt' }] } } })).rejects.toThrow('grid.paths.quant: set by grid.quantizers');
      await expect(bad({ dataset: 'nope' })).rejects.toThrow(/nope/);
      expect(runs.store.studies.listStudies()).toHaveLength(before);
    } finally {
      await runs.close();
    }
  });

  it('a study left running by a live process of this host is not run again; once that process is killed it reads interrupted', async () => {
    const runs = new RunService(home);
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const studies = new StudyService(runs);
      const id = await studies.create({ ...TINY, name: 'owned' });
      runs.store.studies.claimStudy(id, { pid: other.pid!, host: os.hostname() });
      expect(studies.view(id)).toMatchObject({ status: 'running', error: null });
      await expect(studies.run(id)).rejects.toThrow(`study ${id} is running in another process (pid ${other.pid} on ${os.hostname()})`);
      const exited = new Promise((resolve) => other.on('exit', resolve));
      other.kill('SIGKILL');
      await exited;
      expect(studies.view(id)).toMatchObject({ status: 'interrupted', error: `the process running it (pid ${other.pid}) ended` });
      expect(studies.list().find((s) => s.id === id)?.status).toBe('interrupted');
    } finally {
      other.kill('SIGKILL');
      await runs.close();
    }
  });
});
