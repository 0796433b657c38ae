import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { openStore } from '../../src-main/store/store';
import { parseTrainConfig } from '../../shared/config';
import { lines, temper } from './temper';

let tmp: string;
let home: string;

const cli = (...args: string[]) => temper([...args, '--home', home]);
const json = (stdout: string) => JSON.parse(lines(stdout).at(-1)!);

// A dataset import through the CLI: about 5 s on the 2-core EPYC.
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-cli-runs-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  const added = await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g');
  expect(added.code).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Each test spawns 3 to 12 CLI processes, some training: up to 60 s each on the 2-core EPYC (a CLI
// start alone is 3 to 5 s there with the suite's other forks running), so 4x that.
describe('temper train, runs, export, eval-export', { timeout: 240_000 }, () => {
  it('trains a full-precision run, then a 4-bit nt run from it, and exports one that reproduces its accuracy', async () => {
    const fp = await cli('train', '--dataset', 'g', '--model', 'mlp', '--quantizer', 'fp', '--epochs', '2', '--batch-size', '32', '--lr', '0.05', '--json');
    expect(fp.code, fp.stderr).toBe(0);
    const parent = json(fp.stdout);
    expect(parent).toMatchObject({ id: 1, status: 'completed', parent: null, deltaVsParent: null, best: { testTop1: expect.any(Number) } });
    expect(parent.final.testTop1).toBeGreaterThan(0.3); // chance is 0.1

    const nt = await cli('train', '--dataset', 'g', '--model', 'mlp', '--quantizer', 'nt', '--bits', '4', '--epochs', '1', '--batch-size', '32', '--lr', '0.01', '--init-from', '1', '--json');
    expect(nt.code, nt.stderr).toBe(0);
    const child = json(nt.stdout);
    expect(child).toMatchObject({ id: 2, status: 'completed', parent: 1 });
    expect(child.deltaVsParent).toBeCloseTo(child.final.testTop1 - parent.final.testTop1, 12);

    const list = await cli('runs', 'list', '--json');
    const rows = json(list.stdout) as Record<string, unknown>[];
    expect(rows.map((r) => r.id)).toEqual([2, 1]);
    expect(rows[0]).toMatchObject({ status: 'completed', model: 'mlp', dataset: 'g', quantizer: 'nt', bits: 4, seed: 0, finalTop1: child.final.testTop1, parentId: 1, parent: 1 });
    const filtered = json((await cli('runs', 'list', '--filter', 'quantizer=nt and bits in (2,4)', '--json')).stdout) as { id: number }[];
    expect(filtered.map((r) => r.id)).toEqual([2]);

    const shown = json((await cli('runs', 'show', '2', '--json')).stdout);
    expect(shown.curves.epoch).toEqual([1]);
    expect(shown.curves.testTop1).toEqual([child.final.testTop1]);

    const out = path.join(tmp, 'export-2');
    expect((await cli('export', '2', '--out', out)).code).toBe(0);
    const evaluated = json((await cli('eval-export', out, '--dataset', 'g', '--json')).stdout);
    expect(evaluated).toEqual({ testTop1: child.final.testTop1, count: 200, runtime: 'temper' });

    const onnx = path.join(tmp, 'run-2.onnx');
    expect(json((await cli('export', '2', '--format', 'onnx', '--out', onnx, '--json')).stdout)).toEqual({ id: 2, dir: onnx });
    const viaOrt = json((await cli('eval-export', onnx, '--dataset', 'g', '--json')).stdout);
    expect(viaOrt).toEqual({ testTop1: child.final.testTop1, count: 200, runtime: 'onnxruntime' });
    const wrongFormat = await cli('export', '2', '--format', 'tflite', '--out', onnx);
    expect([wrongFormat.code, wrongFormat.stderr.trim()]).toEqual([1, "temper export: --format must be one of temper, onnx, got 'tflite'"]);
    fs.writeFileSync(path.join(tmp, 'broken.onnx'), fs.readFileSync(onnx).subarray(0, 100));
    const broken = await cli('eval-export', path.join(tmp, 'broken.onnx'), '--dataset', 'g');
    expect(broken.code).toBe(1);
    expect(lines(broken.stderr)).toHaveLength(1);
    expect(broken.stderr).toContain(`${path.join(tmp, 'broken.onnx')}: ONNX Runtime cannot load it; the file is corrupt or not an ONNX model`);
  }, 240_000); // two trainings and eight CLI processes: 65 s measured on the shared 2-core host under load

  it('refuses bad requests with one line naming the problem, and records nothing', async () => {
    const before = json((await cli('runs', 'list', '--json')).stdout).length;
    const typo = path.join(tmp, 'typo.json');
    fs.writeFileSync(typo, JSON.stringify({ model: 'mlp', epoch: 1, batchsize: 64 }));
    const cases: [string[], RegExp][] = [
      [['--dataset', 'g', '--config', typo], /unknown field 'epoch' \(did you mean 'epochs'\?\), unknown field 'batchsize' \(did you mean 'batchSize'\?\)/],
      [['--dataset', 'nope', '--model', 'mlp'], /no dataset named 'nope'/],
      [['--dataset', 'g', '--model', 'mlp', '--bits', '9'], /quant\.bits: Too big/],
      [['--dataset', 'g', '--model', 'vgg'], /model: Invalid option/],
      [['--dataset', 'g', '--model', 'mlp', '--init-from', '99'], /initFrom: no run 99/],
      [['--dataset', 'g', '--model', 'cnn-small', '--init-from', '1'], /initFrom: run 1 trained a mlp, this run builds a cnn-small/],
      [['--dataset', 'g', '--model', 'mlp', '--name', 'x'.repeat(20_000)], /invalid run name: expected 1 to 200 characters, got 20000/],
      [['--dataset', 'g', '--model', 'mlp', '--init-from', '0x1'], /expected --init-from to be a run id \(a positive decimal integer\), got '0x1'/],
      [['--dataset', '../../x', '--model', 'mlp'], /invalid dataset name '..\/..\/x'/],
      [['--dataset', 'g', '--model', 'resnet18'], /Model 'resnet18' needs images of at least 16x16, got 12x12/],
    ];
    for (const [args, message] of cases) {
      const result = await cli('train', ...args);
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect(json((await cli('runs', 'list', '--json')).stdout)).toHaveLength(before);
    expect(fs.existsSync(path.join(tmp, 'x'))).toBe(false);
  });

  it('says that quant and lr must be objects, rather than naming fields 0 and 1 of a string', async () => {
    const file = path.join(tmp, 'quant-string.json');
    fs.writeFileSync(file, JSON.stringify({ model: 'mlp', quant: 'nt' }));
    const quant = await cli('train', '--dataset', 'g', '--config', file, '--bits', '4');
    expect([quant.code, quant.stderr.trim()]).toEqual([1, `temper train: ${file}: quant: must be an object such as {"quantizer": "nt", "bits": 4}, got "nt"`]);
    fs.writeFileSync(file, JSON.stringify({ model: 'mlp', lr: [0.1] }));
    const lr = await cli('train', '--dataset', 'g', '--config', file, '--lr', '0.05');
    expect(lr.stderr.trim()).toBe(`temper train: ${file}: lr: must be an object such as {"base": 0.1}, got [0.1]`);
  });

  it('reads run ids as decimal integers only: 0x1, 1e0 and 01 are not run 1', async () => {
    for (const id of ['0x1', '1e0', '01']) {
      const shown = await cli('runs', 'show', id);
      expect(shown.code, id).toBe(1);
      expect(shown.stderr).toContain(`no run '${id}'`);
    }
    const exported = await cli('export', '0x1', '--out', path.join(tmp, 'never'));
    expect(exported.stderr).toContain("expected a run id (a positive decimal integer), got '0x1'");
    expect(fs.existsSync(path.join(tmp, 'never'))).toBe(false);
  });

  it('tags and deletes runs, and records the git commit of the checkout', async () => {
    const tagged = json((await cli('runs', 'tag', '1', 'baseline', '--json')).stdout);
    expect(tagged).toEqual({ id: 1, tags: ['baseline'] });
    expect(json((await cli('runs', 'list', '--filter', 'tag = baseline', '--json')).stdout).map((r: { id: number }) => r.id)).toEqual([1]);
    const shown = json((await cli('runs', 'show', '1', '--json')).stdout);
    expect(shown.gitCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(fs.existsSync(path.join(home, 'runs', '2'))).toBe(true);
    expect((await cli('runs', 'delete', '2')).code).toBe(0);
    expect(fs.existsSync(path.join(home, 'runs', '2'))).toBe(false);
    const missing = await cli('runs', 'show', '2');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no run '2' (see temper runs list)");
  });

  it('marks a run left running by a dead process as interrupted', async () => {
    const store = openStore(home);
    const id = store.insertRun({ config: parseTrainConfig({ model: 'mlp' }), dataset: 'g' });
    const hourAgo = Date.now() - 3_600_000;
    store.markRunning(id, { backend: 'wasm', device: 'test', startedAt: hourAgo });
    store.close();
    const rows = json((await cli('runs', 'list', '--json')).stdout) as { id: number; status: string }[];
    expect(rows.find((r) => r.id === id)?.status).toBe('interrupted');
  });
});

