import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterProfile } from '../../shared/cluster-profile';
import { startWebServer, type WebServer } from '../../src-main/server/server';
import { openApiService, type ApiService } from '../../src-main/services/api-service';
import { writeIdxFolder } from '../helpers/idx-folder';
import { callApi, type Reply, request, valueOf } from './http';

/**
 * What web mode refuses that the desktop app and the CLI allow, over the real server and store:
 * no cluster profile command set from the web, no folder created outside the data folder, and
 * request bodies that are too deep, carry __proto__, or hold huge strings.
 */

let tmp: string;
let home: string;
let backend: ApiService;
let server: WebServer;

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-web-mode-')));
  home = path.join(tmp, 'home');
  fs.mkdirSync(path.join(tmp, 'renderer'));
  fs.writeFileSync(path.join(tmp, 'renderer', 'index.html'), '<!doctype html><title>Temper</title>');
  writeIdxFolder(path.join(tmp, 'digits'), { train: 30, test: 10, classes: 3 });
  backend = await openApiService(home, { shell: 'web' });
  server = await startWebServer(backend, { rendererDir: path.join(tmp, 'renderer') });
  await valueOf(call('importDataset', [{ source: path.join(tmp, 'digits'), name: 'digits' }]));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await backend?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const call = (method: string, args: unknown[] = []) => callApi(server.port, server.token, method, args);
const raw = (method: string, body: string) =>
  request(server.port, `/api/${method}`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body });
const errorOf = (reply: Reply) => (JSON.parse(reply.body) as { error: string }).error;
const names = async () => (await valueOf<ClusterProfile[]>(call('listClusters'))).map((p) => p.name);

describe('cluster profiles from the web', () => {
  it('refuses every command field of a new profile (403, the reason named) and stores nothing; a profile without commands is added', async () => {
    const exchange = path.join(tmp, 'exchange');
    const marker = path.join(tmp, 'ran');
    for (const [field, value] of [
      ['commandPrefix', `sh -c 'touch ${marker}'`],
      ['setup', `touch ${marker}`],
      ['temperCommand', `touch ${marker}; temper`],
      ['extraSbatch', ['#SBATCH --constraint=a100']],
    ] as const) {
      const reply = await call('addCluster', [{ name: `bad-${field.toLowerCase()}`, exchange, [field]: value }]);
      expect(reply.status, reply.body).toBe(403);
      expect(errorOf(reply)).toMatch(new RegExp(`^addCluster: cluster profile 'bad-${field.toLowerCase()}': ${field}: commands in a cluster profile are set from the desktop app or the CLI`));
    }
    expect(await names()).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
    await valueOf(call('addCluster', [{ name: 'plain', exchange, partition: 'debug' }]));
    expect(await names()).toEqual(['plain']);
  });

  it('edits a profile the CLI made, keeping its commands; changing a command is refused', async () => {
    backend.clusters.saveProfile({ name: 'desk', exchange: path.join(tmp, 'exchange'), commandPrefix: 'ssh login1', setup: 'module load nodejs', temperCommand: '/shared/temper' });
    const stored = (await valueOf<ClusterProfile[]>(call('listClusters'))).find((p) => p.name === 'desk')!;
    const edited = await valueOf<ClusterProfile>(call('updateCluster', [{ ...stored, partition: 'gpu' }]));
    expect(edited).toMatchObject({ partition: 'gpu', commandPrefix: 'ssh login1' });
    const reply = await call('updateCluster', [{ ...stored, commandPrefix: 'sh -c id' }]);
    expect(reply.status).toBe(403);
    expect(errorOf(reply)).toMatch(/commandPrefix: .*keep the stored value/);
    expect(backend.clusters.profile('desk').commandPrefix).toBe('ssh login1');
  });

  it('testCluster creates no exchange folder: a missing one is refused in one line and stays missing', async () => {
    const exchange = path.join(tmp, 'elsewhere', 'exchange');
    await valueOf(call('addCluster', [{ name: 'nofolder', exchange }]));
    const reply = await call('testCluster', ['nofolder']);
    expect(reply.status).toBe(422);
    expect(errorOf(reply)).toBe(`cluster 'nofolder': exchange: ${exchange}: no such folder (create it first)`);
    expect(fs.existsSync(path.join(tmp, 'elsewhere'))).toBe(false);
  });

  it('refuses a 900 KB command prefix, control characters and typos by field, and stores nothing', async () => {
    const exchange = path.join(tmp, 'exchange');
    const huge = await call('addCluster', [{ name: 'huge', exchange, commandPrefix: 'x'.repeat(900_000) }]);
    expect(huge.status).toBe(400);
    expect(errorOf(huge)).toMatch(/commandPrefix: expected at most 1024 characters/);
    const newline = await call('addCluster', [{ name: 'nl', exchange: `${exchange}\nrm -rf ~` }]);
    expect(errorOf(newline)).toMatch(/exchange: expected one line without control characters/);
    const typo = await call('addCluster', [{ name: 'typo', exchange, partiton: 'debug' }]);
    expect(errorOf(typo)).toMatch(/unknown field 'partiton' \(did you mean 'partition'\?\)/);
    expect(await names()).not.toContain('huge');
  });
});

describe('request bodies', () => {
  const spec = { dataset: 'digits', parent: { train: {} }, recipe: { model: 'mlp', epochs: 1 }, grid: { quantizers: ['lsq'], bits: [2], seeds: [0] }, measures: [] };

  it('refuses a __proto__ key anywhere in the body (400) and stores no study', async () => {
    const body = `{"args": [${JSON.stringify(spec).replace('"grid":{', '"grid":{"paths":{"__proto__":{"polluted":[1]}},')}]}`;
    const reply = await raw('createStudy', body);
    expect(reply.status, reply.body).toBe(400);
    expect(errorOf(reply)).toBe("body.args[0].grid.paths.__proto__: the key '__proto__' is not allowed");
    expect(await valueOf<unknown[]>(call('listStudies'))).toEqual([]);
  });

  it('refuses a 100,000-deep recipe as too deep (400), not with a stack overflow', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const reply = await raw('createStudy', JSON.stringify({ args: [{ ...spec, recipe: 'DEEP' }] }).replace('"DEEP"', deep));
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toBe('the body is nested deeper than 64 levels');
  });

  it('cuts an echoed value: a 100 KB name or field is not repeated whole in any error', async () => {
    const huge = 'd'.repeat(100_000);
    const replies = [
      await call('createStudy', [{ ...spec, dataset: huge }]),
      await call('createStudy', [{ ...spec, recipe: { model: 'mlp', [huge]: 1 } }]),
      await call('createStudy', [{ ...spec, grid: { ...spec.grid, paths: { [huge]: [1] } } }]),
      await call('startRun', [{ config: { model: 'mlp', [huge]: 1 }, dataset: 'digits' }]),
      await call('startSweep', [{ config: { model: 'mlp' }, dataset: 'digits', sweep: { [huge]: [1] } }]),
      await call('removeDataset', [huge]),
    ];
    for (const reply of replies) {
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(errorOf(reply).length, errorOf(reply).slice(0, 200)).toBeLessThan(400);
    }
    const checked = await valueOf<{ errors: { message: string }[] }>(call('validateConfig', [{ model: 'mlp', [huge]: 1 }]));
    expect(checked.errors[0].message).toBe(`unknown field '${'d'.repeat(80)}… (100000 characters)' (known: ${'model, quant, epochs, batchSize, microBatch, optimizer, lr, labelSmoothing, seed, backend, limitTrain, limitTest, limitVal'})`);
  });
});
