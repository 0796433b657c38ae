import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApiService, type ApiService } from '../../src-main/services/api-service';
import { writeSettings } from '../../src-main/services/settings';
import { webGpuUnavailable } from '../engine/webgpu/adapter-available';
import { writeGratingsIdx } from '../helpers/idx-folder';

/**
 * Cancel and shutdown of a WebGPU run on the trainer pool are cooperative: terminating a worker with
 * a readback pending would abort this whole process (Dawn, exit 134), so this test surviving is
 * the assertion that matters.
 */
const unavailable = await webGpuUnavailable();

describe.skipIf(unavailable !== null)(unavailable ?? 'a webgpu run on the trainer pool', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-webgpu-pool-'));
  let backend: ApiService;
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('cancels mid-epoch, then shuts the pool down, and the main process lives on', async () => {
    writeGratingsIdx(path.join(tmp, 'gratings'), 2000, 100);
    const home = path.join(tmp, 'home');
    writeSettings(home, { backend: 'webgpu' });
    backend = await openApiService(home);
    await backend.importDataset({ source: path.join(tmp, 'gratings'), name: 'g' });
    let steps = 0;
    backend.onEvent((e) => {
      if (e.type === 'run-progress') steps = e.step;
    });
    const { id } = await backend.startRun({ config: { model: 'mlp', quant: { quantizer: 'fp' }, epochs: 3, batchSize: 16, lr: { base: 0.05 } }, dataset: 'g' });
    const deadline = Date.now() + 90_000;
    while (steps < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(steps, 'the run reported progress').toBeGreaterThanOrEqual(10);
    await backend.cancelRun(id);
    while ((await backend.getRun(id)).run.status === 'running' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const { run } = await backend.getRun(id);
    expect(run).toMatchObject({ status: 'cancelled', backend: 'webgpu' });
    expect(run.epochsDone, 'stopped inside the first epoch (112 steps)').toBe(0);

    // Closing the app while a run trains: the pool cancels it and waits for the worker to let go.
    steps = 0;
    const second = await backend.startRun({ config: { model: 'mlp', quant: { quantizer: 'fp' }, epochs: 3, batchSize: 16, lr: { base: 0.05 } }, dataset: 'g' });
    while (steps < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await backend.close();
    backend = await openApiService(home);
    expect((await backend.getRun(second.id)).run.status).toBe('cancelled');
    await backend.close();
    expect(process.exitCode ?? 0).toBe(0);
  }, 120_000);
});
