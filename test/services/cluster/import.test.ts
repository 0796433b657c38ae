import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '../../../src-main/services/cluster/bundle';
import { type ImportOptions, importBundles } from '../../../src-main/services/cluster/import';
import { exportRun } from '../../../src-main/services/exports';
import { RunService } from '../../../src-main/services/runs';
import { openStore, type SqliteStore } from '../../../src-main/store/store';
import { epochMetrics, tempHome } from '../../store/fixtures';
import { jsonl, registerDataset, resultJson, statusJson, stepLine, storedRows, writeFinishedBundle } from './import-helpers';

/**
 * `runs import` of bundles Temper did not write itself: links out of the bundle, ids that collide,
 * numbers out of range and oversized files are refused by name, with nothing of that bundle stored.
 */

let home: string;
let root: string;
let store: SqliteStore;

beforeEach(() => {
  home = tempHome('temper-import-');
  root = path.join(home, 'exchange');
  fs.mkdirSync(root);
  store = openStore(home);
  registerDataset(store);
});
afterEach(() => {
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const bundleAt = (name: string, ...args: Parameters<typeof writeFinishedBundle> extends [string, ...infer R] ? R : never) => {
  const dir = path.join(root, name);
  return { dir, bundle: writeFinishedBundle(dir, ...args) };
};
const file = (dir: string, name: string) => path.join(dir, name);
const editJson = (target: string, patch: (value: Record<string, unknown>) => void) => {
  const value = JSON.parse(fs.readFileSync(target, 'utf8'));
  patch(value);
  fs.writeFileSync(target, JSON.stringify(value));
};

/** Imports `dir`, expects its one bundle refused with `message`, and nothing stored. */
function refused(dir: string, message: RegExp, options?: ImportOptions): string {
  const before = storedRows(store);
  const outcomes = importBundles(store, dir, options);
  expect(outcomes).toHaveLength(1);
  expect(outcomes[0]).toMatchObject({ runId: null, status: 'refused' });
  expect(outcomes[0].error).toMatch(message);
  expect(outcomes[0].error).not.toContain('\n');
  expect(storedRows(store)).toEqual(before);
  return outcomes[0].error!;
}

describe('links in a bundle', () => {
  it('refuses a link leading out of the bundle, naming it, and never shows what it points to', () => {
    const outside = path.join(home, 'outside.jsonl');
    fs.writeFileSync(outside, jsonl([epochMetrics(1), epochMetrics(2)]));
    const cases: [string, string, RegExp][] = [
      ['epochs.jsonl', '/etc/passwd', /epochs\.jsonl: a link to \/etc\/passwd, outside the bundle; refused/],
      ['epochs.jsonl', outside, /epochs\.jsonl: a link to .*outside\.jsonl, outside the bundle/],
      ['checkpoint', '/etc', /checkpoint: a link to \/etc, outside the bundle/],
      ['bundle.json', '../a/bundle.json', /4[/\\]bundle\.json: a link to .*a[/\\]bundle\.json, outside the bundle/],
    ];
    bundleAt('a');
    for (const [index, [name, target, message]] of cases.entries()) {
      const { dir } = bundleAt(String(index + 1));
      fs.rmSync(file(dir, name), { recursive: true });
      fs.symlinkSync(target, file(dir, name));
      expect(refused(dir, message)).not.toMatch(/root:/);
    }
  });

  it('refuses a linked bundle folder of a sweep by name; the real ones beside it import', () => {
    const elsewhere = path.join(home, 'elsewhere');
    writeFinishedBundle(elsewhere);
    bundleAt('0');
    fs.symlinkSync(elsewhere, path.join(root, '1'));
    const outcomes = importBundles(store, root);
    expect(outcomes.map((o) => o.status)).toEqual(['refused', 'completed']);
    expect(outcomes[0].error).toMatch(/exchange[/\\]1: a link; links are not followed/);
    expect(store.listRuns().total).toBe(1);
  });

  it('follows a link that stays inside the bundle', () => {
    const { dir } = bundleAt('a');
    fs.mkdirSync(file(dir, 'data'));
    fs.renameSync(file(dir, 'steps.jsonl'), file(dir, 'data/steps.jsonl'));
    fs.symlinkSync('data/steps.jsonl', file(dir, 'steps.jsonl'));
    const [outcome] = importBundles(store, dir);
    expect(outcome.status).toBe('completed');
    expect(store.stepMetrics(outcome.runId!).map((s) => s.step)).toEqual([10, 20]);
  });

  it('names a file that is not JSON without repeating what it holds', () => {
    const { dir } = bundleAt('a');
    fs.writeFileSync(file(dir, 'result.json'), 'password=hunter2 {');
    expect(refused(dir, /result\.json: not valid JSON$/)).not.toContain('hunter2');
    fs.writeFileSync(file(dir, 'result.json'), JSON.stringify(resultJson()));
    fs.writeFileSync(file(dir, 'epochs.jsonl'), 'password=hunter2\n');
    expect(refused(dir, /epochs\.jsonl: line 1 is not valid JSON$/)).not.toContain('hunter2');
  });
});

describe('bundle ids', () => {
  it('refuses a bundle with an imported run\'s id but another config or sweep; the run keeps its folder', () => {
    const a = bundleAt('a');
    const [first] = importBundles(store, a.dir);
    expect(first).toMatchObject({ status: 'completed', created: true });
    const otherConfig = bundleAt('b', { id: a.bundle.id }, { epochs: 3 });
    refused(otherConfig.dir, /id .+ is the bundle of run 1, emitted with another sweep, profile or config; refused/);
    const otherSweep = bundleAt('c', { id: a.bundle.id, sweep: { id: 'sweep-2', index: 0, tasks: 1, profile: 'c1' } });
    refused(otherSweep.dir, /is the bundle of run 1, emitted with another/);
    expect(store.clusters.bundleOf(1)!.dir).toBe(a.dir);
    expect(store.getRun(1)).toMatchObject({ status: 'completed', epochsTotal: 2 });
  });

  it('refuses a bundle.json changed after it was emitted, or written without a seal', () => {
    const { dir, bundle } = bundleAt('a');
    editJson(file(dir, 'bundle.json'), (b) => ((b.config as { epochs: number }).epochs = 3));
    refused(dir, /bundle\.json: seal: the bundle was changed after it was emitted/);
    const { seal: _seal, ...unsealed } = bundle;
    writeJsonAtomic(file(dir, 'bundle.json'), unsealed);
    refused(dir, /bundle\.json: seal: missing/);
  });

  it('refuses every copy of a bundle met twice in one import, storing nothing', () => {
    const { dir } = bundleAt('0');
    const copy = path.join(root, '1');
    fs.cpSync(dir, copy, { recursive: true });
    fs.rmSync(file(copy, 'result.json'));
    const outcomes = importBundles(store, root);
    expect(outcomes.map((o) => o.status)).toEqual(['refused', 'refused']);
    expect(outcomes[0].error).toMatch(/id .+ is also the id of .*exchange[/\\]1; import one copy at a time/);
    expect(storedRows(store)).toMatchObject({ runs: 0, epoch_metrics: 0, step_metrics: 0 });
  });

  it('leaves a completed run as it is when an earlier copy of its bundle comes in after it', () => {
    const { dir } = bundleAt('done');
    const early = path.join(root, 'early');
    fs.cpSync(dir, early, { recursive: true });
    fs.rmSync(file(early, 'result.json'));
    fs.writeFileSync(file(early, 'epochs.jsonl'), jsonl([epochMetrics(1)]));
    expect(importBundles(store, dir)[0]).toMatchObject({ runId: 1, status: 'completed', created: true });
    expect(importBundles(store, early)[0]).toMatchObject({ runId: 1, status: 'completed', created: false, changed: false });
    expect(store.getRun(1)).toMatchObject({ status: 'completed', finalTop1: 0.02, error: null });
    expect(store.clusters.bundleOf(1)!.dir).toBe(dir);
  });
});

describe('a bundle imported again from a later copy', () => {
  it('completes the same run and reads its checkpoint from the later copy', () => {
    const { dir } = bundleAt('done');
    const early = path.join(root, 'early');
    fs.cpSync(dir, early, { recursive: true });
    fs.rmSync(file(early, 'result.json'));
    expect(importBundles(store, early)[0]).toMatchObject({ runId: 1, status: 'interrupted', created: true });
    expect(importBundles(store, dir)[0]).toMatchObject({ runId: 1, status: 'completed', created: false, changed: true });
    expect(store.latestCheckpoint(1)).toMatchObject({ epoch: 2, path: file(dir, 'checkpoint') });
  });
});

describe('numbers and records in a bundle', () => {
  const lines = (dir: string, name: string, records: unknown[]) => fs.writeFileSync(file(dir, name), jsonl(records));
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['a top-1 of 1e308', (d) => lines(d, 'epochs.jsonl', [{ ...epochMetrics(1), test: { ...epochMetrics(1).test, top1: 1e308 } }]), /epochs\.jsonl: line 1: test\.top1: /],
    ['a loss of 1e308', (d) => lines(d, 'epochs.jsonl', [epochMetrics(1), { ...epochMetrics(2), trainLoss: 1e308 }]), /epochs\.jsonl: line 2: trainLoss: /],
    ['an epoch past the config', (d) => lines(d, 'epochs.jsonl', [epochMetrics(1), epochMetrics(2), epochMetrics(99)]), /epochs\.jsonl: line 3: epoch: expected an epoch of the run's 2/],
    ['a finalTop1 of 42', (d) => editJson(file(d, 'result.json'), (r) => (r.finalTop1 = 42)), /result\.json: finalTop1: /],
    ['a bestTop1 of -5', (d) => editJson(file(d, 'result.json'), (r) => (r.bestTop1 = -5)), /result\.json: bestTop1: /],
    ['a checkpointEpoch of 1e12', (d) => editJson(file(d, 'status.json'), (s) => (s.checkpointEpoch = 1e12)), /status\.json: checkpointEpoch: /],
    ['a checkpointEpoch past the config', (d) => fs.writeFileSync(file(d, 'status.json'), JSON.stringify(statusJson({ checkpointEpoch: 3 }))), /status\.json: checkpointEpoch: expected an epoch of the run's 2/],
    ['"abc" in a step column', (d) => lines(d, 'steps.jsonl', [stepLine(10), { ...stepLine(20), loss: 'abc' }]), /steps\.jsonl: line 2: loss: /],
    ['a step past the run\'s plan', (d) => lines(d, 'steps.jsonl', [stepLine(10), stepLine(21)]), /steps\.jsonl: line 2: step: expected at most the run's 20 steps/],
    ['a null step line', (d) => lines(d, 'steps.jsonl', [null]), /steps\.jsonl: line 1: \(record\): /],
    ['an empty step line', (d) => lines(d, 'steps.jsonl', [stepLine(10), {}]), /steps\.jsonl: line 2: epoch: /],
  ];
  it.each(cases)('refuses %s by file, line and field, storing nothing', (_name, spoil, message) => {
    const { dir } = bundleAt('a');
    spoil(dir);
    refused(dir, message);
  });

  it('refuses a key in bundle.json that Temper does not write, even when sealed', () => {
    const { dir } = bundleAt('a', { junk: 'x'.repeat(10_000) } as object);
    expect(refused(dir, /bundle\.json: \(record\): Unrecognized key: "junk"/).length).toBeLessThan(400);
  });

  it('refuses a run name longer than train allows', () => {
    const { dir } = bundleAt('a', { name: 'n'.repeat(20_000) });
    refused(dir, /bundle\.json: name: /);
    const ok = bundleAt('b', { name: 'n'.repeat(200) });
    expect(importBundles(store, ok.dir)[0].status).toBe('completed');
  });

  it('stores nothing of a bundle whose last line is bad, and imports the good bundle beside it', () => {
    bundleAt('0');
    const bad = bundleAt('1').dir;
    lines(bad, 'steps.jsonl', [stepLine(10), stepLine(20), { ...stepLine(20), lr: -1 }]);
    const outcomes = importBundles(store, root);
    expect(outcomes.map((o) => o.status)).toEqual(['completed', 'refused']);
    expect(outcomes[1].error).toMatch(/1[/\\]steps\.jsonl: line 3: lr: /);
    expect(storedRows(store)).toMatchObject({ runs: 1, run_bundles: 1, epoch_metrics: 2, step_metrics: 2, checkpoints: 1 });
  });
});

describe('file sizes', () => {
  it('refuses a step file over the limit, or a line over the line limit, by name', () => {
    const { dir } = bundleAt('a');
    fs.writeFileSync(file(dir, 'steps.jsonl'), jsonl(Array.from({ length: 20 }, (_, i) => stepLine(i + 1))));
    refused(dir, /steps\.jsonl: \d KB is over the 1 KB a bundle's steps\.jsonl may hold; refused/, { limits: { steps: { maxBytes: 1000 } } });
    refused(dir, /steps\.jsonl: line 1 is longer than/, { limits: { steps: { maxLineBytes: 50 } } });
  });

  it('refuses a 300 MB steps.jsonl at once, without reading it', () => {
    const { dir } = bundleAt('a');
    fs.truncateSync(file(dir, 'steps.jsonl'), 300 << 20);
    const started = Date.now();
    refused(dir, /steps\.jsonl: 300 MB is over the 256 MB a bundle's steps\.jsonl may hold; refused/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('exporting an imported run', () => {
  it('says the run was imported without a checkpoint', async () => {
    const { dir } = bundleAt('a');
    fs.rmSync(file(dir, 'checkpoint'), { recursive: true });
    const [outcome] = importBundles(store, dir);
    expect(outcome.status).toBe('completed');
    const runs = new RunService(home, store);
    await expect(exportRun(runs, outcome.runId!, path.join(home, 'out'))).rejects.toThrow(`run 1 was imported from the bundle ${dir}, which held no checkpoint; it cannot be exported`);
    await runs.close();
    store = openStore(home);
  });
});
