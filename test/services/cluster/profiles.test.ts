import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterService } from '../../../src-main/services/cluster/clusters';
import { parseClusterProfile } from '../../../src-main/services/cluster/profile';
import { RunService } from '../../../src-main/services/runs';
import { temper } from '../../cli/temper';
import { writeGratingsIdx } from '../../helpers/idx-folder';

/**
 * Cluster profiles as `temper clusters add` and the services check them, without a cluster:
 * every field one line, commands not blank, typos refused like run configs, and an exchange
 * folder that must be a writable folder on a real filesystem (checked with a timeout).
 */

let tmp: string;
let home: string;
const cli = (...args: string[]) => temper([...args, '--home', home], 60_000);

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-profiles-')));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  expect((await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g')).code).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a cluster profile', () => {
  it('refuses a newline or other control character in any field, and blank commands, naming the field', () => {
    const base = { name: 'hpc', exchange: '/shared/x' };
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ temperCommand: 'temper\nrm -rf ~' }, /temperCommand: expected one line without control characters/],
      [{ extraSbatch: ['#SBATCH --constraint=a100\nrm -rf ~'] }, /extraSbatch.0: expected one line/],
      [{ setup: 'module load x\r' }, /setup: expected one line/],
      [{ commandPrefix: 'ssh\tlogin1' }, /commandPrefix: expected one line/],
      [{ exchange: '/shared/x\n' }, /exchange: expected one line/],
      [{ temperCommand: '   ' }, /temperCommand: blank/],
      [{ setup: '  ' }, /setup: blank/],
      [{ commandPrefix: ' ' }, /commandPrefix: blank/],
      [{ exchnage: '/y', partiton: 'p' }, /unknown field 'exchnage' \(did you mean 'exchange'\?\), unknown field 'partiton' \(did you mean 'partition'\?\)/],
    ];
    for (const [patch, message] of bad) expect(() => parseClusterProfile({ ...base, ...patch }), JSON.stringify(patch)).toThrow(message);
  });

  it('a profile stored before these rules, with a newline in a command, is left out of the list and can still be removed', async () => {
    const runs = new RunService(home);
    try {
      const clusters = new ClusterService(runs);
      runs.store.clusters.saveProfile('old', { name: 'old', exchange: '/x', temperCommand: 'temper\nid' });
      expect(clusters.listProfiles().map((p) => p.name)).not.toContain('old');
      expect(() => clusters.profile('old')).toThrow(/temperCommand: expected one line/);
      clusters.removeProfile('old');
      expect(runs.store.clusters.getProfile('old')).toBeUndefined();
    } finally {
      await runs.close();
    }
  });

  it('clusters add: a newline in --sbatch or --temper, spaces as --temper, or a typo in --from profile.json is refused and nothing is saved', async () => {
    const file = path.join(tmp, 'profile.json');
    fs.writeFileSync(file, JSON.stringify({ exchnage: '/shared/x', partiton: 'gpu', exchange: '/shared/x' }));
    const attempts = [
      ['clusters', 'add', 'a', '--exchange', '/shared/x', '--sbatch', '#SBATCH --x=1\nrm -rf ~'],
      ['clusters', 'add', 'b', '--exchange', '/shared/x', '--temper', 'temper\nrm -rf ~'],
      ['clusters', 'add', 'c', '--exchange', '/shared/x', '--temper', '   '],
      ['clusters', 'add', 'd', '--from', file],
    ];
    const [sbatch, newline, blank, typo] = await Promise.all(attempts.map((args) => cli(...args)));
    for (const result of [sbatch, newline, blank, typo]) expect(result.code, result.stdout).toBe(1);
    expect(sbatch.stderr).toMatch(/extraSbatch.0: expected one line without control characters/);
    expect(newline.stderr).toMatch(/temperCommand: expected one line/);
    expect(blank.stderr).toMatch(/temperCommand: blank/);
    expect(typo.stderr).toMatch(new RegExp(`${file}: .*unknown field 'exchnage' \\(did you mean 'exchange'\\?\\)`));
    expect((await cli('clusters', 'list', '--json')).stdout.trim()).toBe('[]');
  }, 120_000);

  it('clusters test and sweep --on with an exchange folder under /proc fail at once in one line (they hung)', async () => {
    expect((await cli('clusters', 'add', 'proc', '--exchange', '/proc/temper-exchange')).code).toBe(0);
    const started = Date.now();
    const tested = await cli('clusters', 'test', 'proc');
    expect(tested.code).toBe(1);
    expect(tested.stderr.trim()).toBe("temper clusters: cluster 'proc': exchange: /proc/temper-exchange: it is under /proc, a kernel pseudo filesystem, not a shared folder");
    const sweep = path.join(tmp, 'sweep.json');
    fs.writeFileSync(sweep, JSON.stringify({ dataset: 'g', config: { model: 'mlp', epochs: 1 }, sweep: { bits: [2, 4] } }));
    const swept = await cli('sweep', '--config', sweep, '--on', 'proc');
    expect(swept.code).toBe(1);
    expect(swept.stderr.trim()).toBe("temper sweep: cluster 'proc': exchange: /proc/temper-exchange: it is under /proc, a kernel pseudo filesystem, not a shared folder");
    expect(Date.now() - started).toBeLessThan(50_000);
  }, 120_000);
});

describe('the exchange folder check', () => {
  it('refuses a folder on a pseudo filesystem reached through a link, a file, and (from the web) a missing folder, creating nothing', () => {
    const runs = new RunService(home);
    try {
      const web = new ClusterService(runs, { createExchange: false });
      const desktop = new ClusterService(runs);
      const link = path.join(tmp, 'to-sys');
      fs.symlinkSync('/sys/kernel', link);
      const check = (service: ClusterService, exchange: string) => () => service.checkProfile(parseClusterProfile({ name: 'x', exchange, commandPrefix: 'false' }));
      expect(check(desktop, path.join(link, 'exchange'))).toThrow(/exchange: .*to-sys\/exchange: .* is under \/sys, a kernel pseudo filesystem/);
      fs.writeFileSync(path.join(tmp, 'file'), '');
      expect(check(desktop, path.join(tmp, 'file'))).toThrow(/exchange: .*file: not a folder/);
      const missing = path.join(tmp, 'a', 'b');
      expect(check(web, missing)).toThrow(`cluster 'x': exchange: ${missing}: no such folder (create it first)`);
      expect(fs.existsSync(path.join(tmp, 'a'))).toBe(false);
      // From the desktop app and the CLI a missing folder is created, then Slurm is asked (here `false` fails at once).
      expect(check(desktop, missing)).toThrow(/commandPrefix|'false/);
      expect(fs.statSync(missing).isDirectory()).toBe(true);
    } finally {
      void runs.close();
    }
  });
});
