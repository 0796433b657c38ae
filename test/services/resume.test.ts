import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointDir, RunService } from '../../src-main/services/runs';
import { openStore } from '../../src-main/store/store';
import { writeGratingsIdx } from '../helpers/idx-folder';

/** Crash states a kill leaves in the store and the run folder, and what resuming or reopening does with them. */

let tmp: string;
let home: string;
const config = { model: 'mlp', quant: { quantizer: 'fp' }, epochs: 1, batchSize: 32, lr: { base: 0.05 }, backend: 'wasm' } as const;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-resume-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  const service = new RunService(home);
  await service.datasets.add(path.join(tmp, 'gratings'), { name: 'g' });
  await service.close();
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Two or three tiny runs on the wasm pool: about 10 s on the 2-core EPYC, so 12x that.
describe('a run killed around its last checkpoint', { timeout: 120_000 }, () => {
  it('resumes to completed with final and best-validation top-1 and the drop vs its parent, even with its last epoch unrecorded', async () => {
    const store = openStore(home);
    const service = new RunService(home, store);
    try {
      const parent = await service.train({ config, dataset: 'g' });
      const whole = await service.train({ config: { ...config, epochs: 2, quant: { quantizer: 'nt', bits: 4 } }, dataset: 'g', initFrom: parent.id });
      expect(whole).toMatchObject({ status: 'completed', final: { testTop1: expect.any(Number) } });
      // What a kill after the last checkpoint, before the last epoch row and the end were recorded, leaves.
      store.db.prepare("UPDATE runs SET status = 'interrupted', final_top1 = NULL, best_top1 = NULL, best_epoch = NULL, drop_vs_parent = NULL WHERE id = ?").run(whole.id);
      store.db.prepare('DELETE FROM epoch_metrics WHERE run_id = ? AND epoch = 2').run(whole.id);
      service.requeue(whole.id);
      expect(service.store.claimRun(whole.id, service.owner)).toBe(true);
      const resumed = await service.execute(whole.id);
      // The checkpoint is evaluated again for the final top-1; the best is chosen on validation over the
      // recorded epochs, here the first only. (The summary's test loss is the last recorded epoch's, here the first.)
      const first = store.epochCurves([whole.id])[0];
      expect(first.epoch).toEqual([1]);
      const best = { epoch: 1, testTop1: first.testTop1[0] };
      expect(resumed).toMatchObject({ status: 'completed', final: { testTop1: whole.final!.testTop1 }, best, bestUnavailable: null, deltaVsParent: whole.deltaVsParent });
      expect(resumed.deltaVsParent).toBeCloseTo(whole.final!.testTop1 - parent.final!.testTop1, 12);
    } finally {
      await service.close();
    }
  });

  it('leaves no staging or old checkpoint copies of a dead process once the store opens again', async () => {
    const store = openStore(home);
    const service = new RunService(home, store);
    const run = await service.train({ config, dataset: 'g' });
    // The run as a process killed mid-save leaves it: running, owned by a pid that is gone, copies beside its checkpoint.
    const dead = 2 ** 22 + 12_345;
    store.db.prepare("UPDATE runs SET status = 'running', owner_pid = ?, owner_host = ? WHERE id = ?").run(dead, service.owner.host, run.id);
    const dir = checkpointDir(home, run.id);
    fs.cpSync(dir, `${dir}.tmp-${dead}`, { recursive: true });
    fs.renameSync(dir, `${dir}.old-${dead}`);
    await service.close();

    const reopened = new RunService(home);
    await reopened.close();
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['checkpoint']);
  });
});
