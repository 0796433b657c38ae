import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { webGpuUnavailable } from './adapter-available';

const unavailable = await webGpuUnavailable();
const run = promisify(execFile);

/** Its own process: if ending the worker went wrong, Dawn aborts that process, not the test runner. */
async function endWorker(mode: 'stop' | 'fail'): Promise<string> {
  const fixture = fileURLToPath(new URL('./fixtures/stop-main.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, mode], { timeout: 120_000 });
  return stdout;
}

describe.skipIf(unavailable !== null)(unavailable ?? 'ending a worker that trains on WebGPU', () => {
  it('stops mid-run at a step boundary, releases the GPU, and leaves the main process alive', async () => {
    expect(await endWorker('stop')).toMatch(/^worker stopped after \d+ steps\nmain alive\n$/);
  }, 150_000);

  it('fails with a readback pending, settles the GPU work first, and leaves the main process alive', async () => {
    expect(await endWorker('fail')).toBe('worker failed: step failed with a readback pending\nmain alive\n');
  }, 150_000);
});
