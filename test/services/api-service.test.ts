import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemperEvent } from '../../shared/api';
import { openApiService, type ApiService } from '../../src-main/services/api-service';
import { writeGratingsIdx } from '../helpers/idx-folder';

/** ApiService on a real store, dataset and trainer pool: what the GUI calls. */

let tmp: string;
let backend: ApiService;
const events: TemperEvent[] = [];
const config = { model: 'mlp', quant: { quantizer: 'fp' }, epochs: 2, batchSize: 32, lr: { base: 0.05 }, backend: 'wasm' } as const;

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const statusOf = async (id: number) => (await backend.getRun(id)).run.status;

// An import: about 2 s on the 2-core EPYC.
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-backend-'));
  writeGratingsIdx(path.join(tmp, 'gratings'));
  backend = await openApiService(path.join(tmp, 'home'));
  backend.onEvent((e) => events.push(e));
  await backend.importDataset({ source: path.join(tmp, 'gratings'), name: 'g' });
}, 60_000);
afterAll(async () => {
  await backend.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// Trains small runs on the real pool: 17 s a test at most on the 2-core EPYC under load, so 10x that.
describe('ApiService', { timeout: 180_000 }, () => {
  it('lists the imported dataset with its thumbnails', async () => {
    const [g] = await backend.listDatasets();
    expect(g).toMatchObject({ name: 'g', format: 'idx', shape: [12, 12, 1], classes: expect.any(Array) });
    expect(await backend.datasetThumbnails('g')).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(events.some((e) => e.type === 'datasets-changed')).toBe(true);
  });

  it('queues a run that its trainer pool trains, with live events, curves and a stored backend', async () => {
    const { id } = await backend.startRun({ config, dataset: 'g', name: 'baseline' });
    await until('the run completes', async () => (await statusOf(id)) === 'completed');
    const { run } = await backend.getRun(id);
    expect(run).toMatchObject({ name: 'baseline', backend: 'wasm', epochsDone: 2, finalTop1: expect.any(Number) });
    const mine = events.filter((e) => 'id' in e && e.id === id);
    expect(mine.filter((e) => e.type === 'run-status').map((e) => (e as { status: string }).status)).toEqual(['queued', 'running', 'completed']);
    expect(mine.filter((e) => e.type === 'run-epoch').map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2]);
    expect(mine.some((e) => e.type === 'run-progress')).toBe(true);
    expect((await backend.runCurves([id]))[0].epoch).toEqual([1, 2]);
    expect((await backend.stepMetrics(id)).length).toBeGreaterThan(0);
  });

  it('estimates run time from the runs this machine completed', async () => {
    const estimate = await backend.estimateRun({ config: { ...config, epochs: 4 }, dataset: 'g' });
    expect(estimate.basis).toMatch(/1 completed fp run of mlp on 12×12×1 images on this machine/);
    expect(estimate.range).toBeNull();
    expect(estimate.seconds).toBeGreaterThan(0);
    expect(estimate.imagesPerSec).toBeGreaterThan(0);
  });

  it('cancels a queued run before it starts, and resumes it to completion', async () => {
    const first = await backend.startRun({ config: { ...config, epochs: 20 }, dataset: 'g' });
    const second = await backend.startRun({ config, dataset: 'g' });
    expect((await backend.cancelRun(second.id)).status).toBe('cancelled');
    await until('the first run trains', async () => (await backend.getRun(first.id)).run.epochsDone >= 1);
    expect((await backend.cancelRun(first.id)).status).toBe('running');
    await until('the first run stops', async () => (await statusOf(first.id)) === 'cancelled');
    await backend.resumeRun(second.id);
    await until('the resumed run completes', async () => (await statusOf(second.id)) === 'completed');
    await expect(backend.resumeRun(second.id)).rejects.toThrow(`run ${second.id} is completed; only an interrupted or cancelled run can be resumed`);
  });

  it('refuses a bad config with the field named, and stores nothing', async () => {
    const before = (await backend.listRuns({})).total;
    await expect(backend.startRun({ config: { ...config, quant: { quantizer: 'nt', bits: 9 } }, dataset: 'g' })).rejects.toThrow(/quant\.bits/);
    await expect(backend.startRun({ config, dataset: 'nope' })).rejects.toThrow(/no dataset named 'nope'/);
    await expect(backend.startSweep({ config, dataset: 'g', sweep: { bits: [2, 12] } })).rejects.toThrow(/sweep cell 2 of 2: .*quant\.bits/);
    // Unknown keys are refused, not dropped: a run with 'epoch' would otherwise train the default 10 epochs.
    await expect(backend.startRun({ config: JSON.parse('{"model": "mlp", "epoch": 1, "batchsize": 64}'), dataset: 'g' })).rejects.toThrow(
      "unknown field 'epoch' (did you mean 'epochs'?), unknown field 'batchsize' (did you mean 'batchSize'?)",
    );
    await expect(backend.startSweep({ config, dataset: 'g', sweep: { 'quant.nosuch': [1, 2] } })).rejects.toThrow("sweep key 'quant.nosuch' is not a config field");
    await expect(backend.startSweep({ config, dataset: 'g', sweep: { toString: [1, 2] } })).rejects.toThrow("sweep key 'toString' is not a config field");
    await expect(backend.startSweep({ config, dataset: 'g', sweep: { 'quant.bitz': [2, 3] } })).rejects.toThrow("(did you mean 'quant.bits'?)");
    expect((await backend.listRuns({})).total).toBe(before);
    expect(await backend.validateConfig({ model: 'mlp', quant: { bitz: 2 } })).toEqual({
      errors: [{ path: 'quant', message: "unknown field 'bitz' (did you mean 'bits'?)" }],
    });
    expect(await backend.validateConfig({ model: 'resnet99' })).toEqual({ errors: [expect.objectContaining({ path: 'model' })] });
  });

  it('runs a sweep as a group and compares its runs by the fields that differ', async () => {
    const { groupId, runIds } = await backend.startSweep({ config: { ...config, epochs: 1 }, dataset: 'g', sweep: { seed: [0, 1] } });
    await until('the sweep completes', async () => (await Promise.all(runIds.map(statusOf))).every((s) => s === 'completed'));
    const summary = await backend.groupSummary(groupId);
    expect(summary.cells).toEqual([expect.objectContaining({ values: {}, completed: 2, runIds })]);
    const comparison = await backend.compareRuns(runIds);
    expect(comparison.differing).toEqual([{ path: 'seed', values: [0, 1] }]);
  });

  it('tags, notes and deletes runs', async () => {
    const { rows } = await backend.listRuns({ filter: 'status = completed', limit: 1 });
    const id = rows[0].id;
    expect(await backend.tagRun(id, 'keep')).toEqual(['keep']);
    expect((await backend.listRuns({ filter: 'tag = keep' })).rows.map((r) => r.tags)).toEqual([['keep']]);
    expect((await backend.addNote(id, 'lr too high')).map((n) => n.text)).toEqual(['lr too high']);
    await backend.deleteRun(id);
    await expect(backend.getRun(id)).rejects.toThrow(`no run ${id}`);
  });

  it('reports the backends from a worker thread, and keeps settings in the data folder', async () => {
    const report = await backend.doctor();
    expect(report.backends.find((b) => b.name === report.selected)?.available).toBe(true);
    expect(await backend.updateSettings({ cpuWorkers: 2 })).toMatchObject({ cpuWorkers: 2 });
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'home', 'settings.json'), 'utf8')).cpuWorkers).toBe(2);
  });

  it("refuses to save a backend the doctor finds no way to load, with the doctor's reason, and keeps the stored settings", async () => {
    const report = await backend.doctor();
    const tfjsNode = report.backends.filter((b) => b.name.startsWith('tfjs-node'));
    if (tfjsNode.some((b) => b.available)) return;
    await expect(backend.updateSettings({ backend: 'tensorflow', cpuWorkers: 3 })).rejects.toThrow(
      `backend: tensorflow is not available on this machine: ${tfjsNode.map((b) => `${b.name}: ${b.reason}`).join('; ')}`,
    );
    expect(await backend.getSettings()).toMatchObject({ backend: 'auto', cpuWorkers: 2 });
    expect(await backend.updateSettings({ backend: 'wasm' })).toMatchObject({ backend: 'wasm' });
    expect(await backend.updateSettings({ backend: 'auto' })).toMatchObject({ backend: 'auto' });
  });
});
