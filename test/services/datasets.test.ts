import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBatchSource } from '../../src-main/data/batches';
import { DatasetService } from '../../src-main/services/datasets';
import { writeIdxFolder } from '../helpers/idx-folder';

let tmp: string;
let service: DatasetService;
let source: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-datasets-'));
  service = new DatasetService(path.join(tmp, 'home'));
  source = path.join(tmp, 'digits');
  writeIdxFolder(source, { train: 40, test: 10, classes: 4 });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const datasetsFolder = () => path.join(service.home, 'datasets');

describe('DatasetService', () => {
  it('lists nothing before the first import', async () => {
    expect(await service.list()).toEqual([]);
  });

  it('lists registered datasets sorted by name, and shows one', async () => {
    await service.add(source, { name: 'zeta' });
    await service.add(source, { name: 'alpha' });
    expect((await service.list()).map((m) => m.name)).toEqual(['alpha', 'zeta']);
    const shown = await service.show('zeta');
    expect(shown).toMatchObject({ name: 'zeta', format: 'idx', shape: [8, 8, 1] });
  });

  it('ignores staging leftovers and folders without a valid manifest', async () => {
    await service.add(source, { name: 'good' });
    fs.mkdirSync(path.join(datasetsFolder(), '.staging-abc123'));
    fs.mkdirSync(path.join(datasetsFolder(), 'empty'));
    fs.mkdirSync(path.join(datasetsFolder(), 'garbled'));
    fs.writeFileSync(path.join(datasetsFolder(), 'garbled', 'manifest.json'), '{');
    expect((await service.list()).map((m) => m.name)).toEqual(['good']);
    await expect(service.show('garbled')).rejects.toThrow(/garbled.manifest\.json: cannot read the manifest/);
  });

  it('sweeps folders a killed process left behind, but not a staging folder still in use', async () => {
    fs.mkdirSync(path.join(datasetsFolder(), '.removing-1'), { recursive: true });
    fs.mkdirSync(path.join(datasetsFolder(), '.staging-old'));
    fs.mkdirSync(path.join(datasetsFolder(), '.staging-fresh'));
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    fs.utimesSync(path.join(datasetsFolder(), '.staging-old'), twoDaysAgo, twoDaysAgo);
    await service.add(source, { name: 'digits' });
    expect(fs.readdirSync(datasetsFolder()).sort()).toEqual(['.staging-fresh', 'digits']);
  });

  it('removes a dataset: its cache folder is gone and it is no longer listed', async () => {
    await service.add(source, { name: 'gone' });
    await service.add(source, { name: 'kept' });
    await service.remove('gone');
    expect(fs.readdirSync(datasetsFolder())).toEqual(['kept']);
    expect((await service.list()).map((m) => m.name)).toEqual(['kept']);
    await expect(service.show('gone')).rejects.toThrow("no dataset named 'gone'");
  });

  it('names the missing dataset on show and remove, and refuses path-like names', async () => {
    await expect(service.show('nope')).rejects.toThrow(`no dataset named 'nope' in ${datasetsFolder()}`);
    await expect(service.remove('nope')).rejects.toThrow("no dataset named 'nope'");
    await expect(service.remove('..')).rejects.toThrow("invalid dataset name '..'");
  });

  it('loads a cached split that the batch loader accepts', async () => {
    const manifest = await service.add(source, { name: 'digits' });
    const test = service.loadSplit('digits', 'test');
    expect(test.labels.length).toBe(10);
    expect(test.mean).toEqual(manifest.mean);
    const batches = createBatchSource(test, { batchSize: 4, shuffle: false, seed: 0, dropLast: false });
    expect(batches.stepsPerEpoch()).toBe(3);
  });
});
