import { beforeEach, describe, expect, it } from 'vitest';
import { newRun, storePerTest } from './fixtures';

const me = { pid: 100, host: 'here' };

describe('sharpness results', () => {
  const t = storePerTest();
  let run: number;
  beforeEach(() => {
    run = t.store.insertRun(newRun());
  });

  it('keeps each job with its parameters and result, newest first, finished once', () => {
    const a = t.store.insertSharpness(run, { measures: ['trace'], samples: 1024 }, me, 1);
    const b = t.store.insertSharpness(run, { measures: ['eigen'], samples: 256 }, me, 2);
    expect(t.store.finishSharpness(a, 'completed', { trace: { value: 640, stderr: 12, iterations: 40 }, images: 1024, seconds: 3 })).toBe(true);
    expect(t.store.finishSharpness(a, 'failed', null, 'late')).toBe(false);
    expect(t.store.sharpnessOf(run).map((r) => [r.id, r.status, r.params.samples])).toEqual([
      [b, 'running', 256],
      [a, 'completed', 1024],
    ]);
    expect(t.store.getSharpness(a)!.result!.trace).toEqual({ value: 640, stderr: 12, iterations: 40 });
  });

  it('gives the newest value of each measure, which may come from different jobs', () => {
    expect(t.store.latestSharpness(run)).toBeNull();
    const a = t.store.insertSharpness(run, {}, me);
    t.store.finishSharpness(a, 'completed', { trace: { value: 10, stderr: 1, iterations: 5 }, eigen: { value: 3, iterations: 9, converged: true }, images: 8, seconds: 1 });
    const b = t.store.insertSharpness(run, {}, me);
    t.store.finishSharpness(b, 'completed', { trace: { value: 12, stderr: 1, iterations: 5 }, perturb: { mean: 0.1, max: 0.2, base: 1, radius: 0.05, directions: 10 }, images: 8, seconds: 1 });
    expect(t.store.latestSharpness(run)).toEqual({ trace: 12, eigen: 3, perturb: 0.1 });
  });

  it('fails the jobs of a process that died, and goes with its run', () => {
    const dead = t.store.insertSharpness(run, {}, me);
    const alive = t.store.insertSharpness(run, {}, { pid: 200, host: 'here' });
    expect(t.store.abandonSharpnessOrphans('here', (pid) => pid === 200)).toEqual([dead]);
    expect(t.store.getSharpness(dead)).toMatchObject({ status: 'failed', error: 'interrupted: the process measuring it (pid 100) ended' });
    expect(t.store.getSharpness(alive)!.status).toBe('running');
    t.store.deleteRun(run);
    expect(t.store.sharpnessOf(run)).toEqual([]);
  });
});
