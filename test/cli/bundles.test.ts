import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImages } from '../../src-main/trainer/run-images';
import { openStore } from '../../src-main/store/store';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { lines, temper } from './temper';

/**
 * Bundles without a cluster: --emit-slurm writes them with a ready script, `temper run-bundle`
 * trains one where it lies (as a Slurm task would), `runs import` brings it back; a corrupt or
 * half-written bundle changes nothing stored.
 */

let tmp: string;
let home: string;
let emitted: string;
const cli = (...args: string[]) => temper([...args, '--home', home]);
const json = (stdout: string) => JSON.parse(lines(stdout).at(-1)!);
const runCount = () => {
  const store = openStore(home);
  try {
    return store.listRuns({ limit: 1000 }).total;
  } finally {
    store.close();
  }
};
/** A bundle folder copied, with one file replaced. */
function variant(name: string, file: string, text: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(path.join(emitted, '0'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-bundles-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  expect((await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g')).code).toBe(0);
  fs.writeFileSync(path.join(tmp, 'sweep.json'), JSON.stringify({
    dataset: 'g', config: { model: 'mlp', epochs: 2, batchSize: 32, lr: { base: 0.05 }, backend: 'wasm', quant: { quantizer: 'nt', bits: 4 } }, sweep: { seed: [3, 4] },
  }));
  emitted = path.join(tmp, 'emitted');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('emitted bundles, run-bundle and runs import', () => {
  it('--emit-slurm writes the bundles, the dataset cache and a job-array script, and stores nothing', async () => {
    const result = await cli('sweep', '--config', path.join(tmp, 'sweep.json'), '--emit-slurm', emitted, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout)).toMatchObject({ dir: emitted, tasks: 2 });
    const script = fs.readFileSync(path.join(emitted, 'sweep.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-1\n');
    expect(script).toContain('#SBATCH --output=%a/slurm-%A_%a.out');
    expect(script).toContain('exec temper run-bundle "${SLURM_SUBMIT_DIR}/$SLURM_ARRAY_TASK_ID"');
    expect(fs.readdirSync(path.join(emitted, 'datasets'))).toHaveLength(1);
    expect(runCount()).toBe(0);
    const again = await cli('sweep', '--config', path.join(tmp, 'sweep.json'), '--emit-slurm', emitted);
    expect(again.stderr).toContain('the folder is not empty');
  });

  it('a half-written bundle imports its whole epochs as interrupted; once finished, importing again completes the same run', async () => {
    const trained = await temper(['run-bundle', path.join(emitted, '0'), '--threads', '1', '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    expect(json(trained.stdout)).toEqual({ status: 'completed', error: null });
    const bundle = path.join(emitted, '0');
    const epochs = fs.readFileSync(path.join(bundle, 'epochs.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(epochs).toHaveLength(2);
    // What a copy taken mid-run looks like: one whole epoch, the next half written, no result.
    const partial = variant('partial', 'epochs.jsonl', `${epochs[0]}\n${epochs[1].slice(0, 40)}`);
    fs.rmSync(path.join(partial, 'result.json'));
    const first = await cli('runs', 'import', partial, '--json');
    expect(first.code, first.stderr).toBe(0);
    const [imported] = json(first.stdout);
    expect(imported).toMatchObject({ status: 'interrupted', created: true });

    const full = await cli('runs', 'import', bundle, '--json');
    expect(full.code, full.stderr).toBe(0);
    expect(json(full.stdout)).toEqual([expect.objectContaining({ runId: imported.runId, status: 'completed', created: false })]);
    const store = openStore(home);
    try {
      expect(store.listRuns().total).toBe(1);
      const curve = store.epochCurves([imported.runId])[0];
      expect(curve.testTop1).toEqual(epochs.map((l) => JSON.parse(l).test.top1));
      expect(store.getRun(imported.runId)).toMatchObject({ status: 'completed', backend: 'wasm', seed: 3 });
      // The test images it was evaluated on, as the trainer on the cluster reported them: those a local run of the dataset uses.
      const local = runImages(home, 'g', store.getRun(imported.runId)!.config).test.identity;
      expect(local.images).toBe(200);
      expect(store.getRun(imported.runId)!.testSet).toEqual(local);
    } finally {
      store.close();
    }
  }, 180_000);

  it('a corrupt bundle is refused with the file and line and stores nothing; the good bundle beside it imports', async () => {
    const before = runCount();
    const cases: [string, string, RegExp][] = [
      ['bad-json', 'bundle.json', /bundle\.json: not valid JSON/],
      ['bad-field', 'bundle.json', /bundle\.json: .*dataset/],
      ['bad-line', 'epochs.jsonl', /epochs\.jsonl: line 1 is not valid JSON/],
      ['bad-result', 'result.json', /result\.json: status/],
    ];
    const texts: Record<string, string> = {
      'bad-json': '{"format": "temper-bundle", "vers',
      'bad-field': JSON.stringify({ format: 'temper-bundle', version: 1, id: 'abcdefgh-1', name: null, config: {}, parent: null, appVersion: '0', createdAt: '' }),
      'bad-line': 'not json\n{}\n',
      'bad-result': JSON.stringify({ status: 'exploded' }),
    };
    for (const [name, file, message] of cases) {
      const dir = variant(name, file, texts[name]);
      // A folder of two bundles, the good one first: the bad one is refused, the good one imports.
      const both = path.join(tmp, `${name}-sweep`);
      fs.mkdirSync(both);
      fs.cpSync(path.join(emitted, '1'), path.join(both, '0'), { recursive: true });
      fs.renameSync(dir, path.join(both, '1'));
      const result = await cli('runs', 'import', both);
      expect(result.code, name).toBe(1);
      expect(result.stderr, name).toMatch(message);
      expect(result.stderr, name).toContain(`refused: ${path.join(both, '1')}`);
      expect(result.stderr, name).toContain('1 of 2 bundles refused (nothing of them stored); the others were imported');
      expect(result.stdout, name).toMatch(new RegExp(`(imported|updated) run \\d+ \\(interrupted\\) from ${path.join(both, '0')}`));
      // The good bundle's run, once; nothing of the bad ones.
      expect(runCount(), name).toBe(before + 1);
    }
    const none = await cli('runs', 'import', path.join(tmp, 'gratings'));
    expect(none.stderr).toContain('no bundle.json in the folder or its subfolders');
  }, 120_000);

  it('a link out of a bundle is refused by name, and a linked bundle folder is named, not skipped', async () => {
    const sweep = path.join(tmp, 'linked-sweep');
    fs.mkdirSync(sweep);
    fs.cpSync(path.join(emitted, '1'), path.join(sweep, '0'), { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(sweep, '0', 'steps.jsonl'));
    fs.symlinkSync(path.join(emitted, '1'), path.join(sweep, '1'));
    const result = await cli('runs', 'import', sweep, '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`refused: ${path.join(sweep, '0', 'steps.jsonl')}: a link to /etc/passwd, outside the bundle`);
    expect(result.stderr).toContain(`refused: ${path.join(sweep, '1')}: a link; links are not followed`);
    expect(result.stderr).not.toContain('root:');
    expect(json(result.stdout).map((r: { status: string }) => r.status)).toEqual(['refused', 'refused']);
  });

  it('exports an imported completed run from the checkpoint in its bundle', async () => {
    const list = json((await cli('runs', 'list', '--json')).stdout) as { id: number; status: string }[];
    const completed = list.find((r) => r.status === 'completed')!;
    const out = path.join(tmp, 'export');
    const result = await cli('export', String(completed.id), '--out', out, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(out, 'model.json'))).toBe(true);
  }, 120_000);
});
