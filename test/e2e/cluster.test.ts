import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temper } from '../cli/temper';
import { type SlurmCluster, startSlurm } from '../cluster/slurm-fixture';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { chromiumMissing, launchChromium, VIEWPORT } from './browser';
import { type Serving, startServe } from './serve';

/**
 * The Slurm cluster from the GUI, in a real browser against `temper serve` and the real
 * single-node Slurm of test/cluster/slurm-cluster.sh: a profile added in Settings → Clusters (a
 * bad field named as it is typed), "Test connection" reporting the node, and a tiny run started
 * with Where: <profile> that the app follows until it completes in the Runs table.
 */

const BIN = path.resolve(import.meta.dirname, '../../bin/temper.js');
const missing = chromiumMissing();
const cluster = missing ? { skip: missing } : startSlurm();
const ready = 'conf' in cluster ? (cluster as SlurmCluster) : undefined;
/** Queue, start-up of Temper on the node, two epochs of an mlp on 600 images, and the app's 10 s poll. */
const RUN_TIMEOUT_MS = 180_000;

let tmp: string;
let server: Serving;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!ready) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-e2e-cluster-'));
  const home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  const added = await temper(['datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g', '--home', home]);
  expect(added.code, added.stderr).toBe(0);
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ backend: 'wasm', cpuWorkers: 1, threadsPerRun: 1 }));
  // A profile's commands (here the Temper command on the node) are set from the CLI or the desktop app, never in the browser.
  fs.mkdirSync(path.join(tmp, 'exchange'));
  const profile = await temper(['clusters', 'add', 'local-slurm', '--exchange', path.join(tmp, 'exchange'), '--partition', 'debug', '--mem', '2G', '--time', '00:30:00', '--temper', `${process.execPath} ${BIN}`, '--home', home]);
  expect(profile.code, profile.stderr).toBe(0);
  // startSlurm set SLURM_CONF in this process: the server (and the jobs it submits) inherit it.
  [server, browser] = await Promise.all([startServe(home), launchChromium()]);
  page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(server.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) expect(await server.stop(), server.stderr()).toBe(0);
  ready?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!ready)(`the Slurm cluster in the GUI${ready ? '' : `: skipped, ${(cluster as { skip: string }).skip}`}`, () => {
  it('adds a profile in Settings → Clusters, each bad field named, commands not settable, and Test connection reports the node and backend', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
    const table = page.getByRole('table', { name: 'Cluster profiles' });
    await table.getByRole('cell', { name: 'local-slurm', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add a cluster' }).click();
    const form = page.getByRole('form', { name: 'Add a cluster' });
    await form.getByLabel('Name', { exact: true }).fill('web-slurm');
    await form.getByLabel('Exchange folder', { exact: true }).fill('exchange');
    await form.getByLabel('Time limit', { exact: true }).fill('soon');
    await form.getByRole('button', { name: 'Add cluster' }).click();
    expect(await form.locator('#cluster-exchange-note').textContent()).toBe('expected an absolute path');
    expect(await form.locator('#cluster-timeLimit-note').textContent()).toBe('expected a Slurm time such as 30, 01:00:00 or 1-00:00:00');
    expect(await form.getByLabel('Time limit', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Exchange folder', { exact: true }).fill(path.join(tmp, 'exchange'));
    await form.getByLabel('Time limit', { exact: true }).fill('00:30:00');
    await form.getByLabel('Partition', { exact: true }).fill('debug');
    await form.getByLabel('Memory per task', { exact: true }).fill('2G');
    expect(await form.getByLabel('Temper command on the nodes', { exact: true }).getAttribute('readonly')).not.toBeNull();
    expect(await form.locator('[aria-invalid="true"]').count()).toBe(0);
    await form.getByRole('button', { name: 'Add cluster' }).click();
    await table.getByRole('cell', { name: 'web-slurm', exact: true }).waitFor();
    expect(await table.textContent()).toContain('partition debug, time 00:30:00, 1 CPU, 2G memory');

    await page.getByRole('button', { name: 'Test connection to local-slurm' }).click();
    const result = page.getByTestId('cluster-test-local-slurm');
    await expect.poll(() => result.textContent(), { timeout: 120_000, interval: 500 }).toMatch(/Connected|Test failed/);
    expect(await result.textContent()).toMatch(new RegExp(`Connected: job \\d+ ran on ${os.hostname()}; Temper picked the (onednn|wasm) backend`));
  }, 150_000);

  it('starts a tiny run with Where: the profile; it is a Slurm job and completes in the Runs table', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run', exact: true }).click();
    await page.getByRole('button', { name: 'Full-precision baseline' }).click();
    await page.getByLabel('Dataset', { exact: true }).selectOption('g');
    await page.getByLabel('Model', { exact: true }).selectOption('mlp');
    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await page.getByLabel('Batch size', { exact: true }).fill('32');
    await page.getByLabel('Run name (optional)').fill('on-slurm');
    await page.getByLabel('Where', { exact: true }).selectOption('local-slurm');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs$/);
    const row = page.locator('tbody tr').filter({ has: page.getByRole('link', { name: '#1', exact: true }) });
    await expect
      .poll(() => row.locator('[data-status]').getAttribute('data-status'), { timeout: RUN_TIMEOUT_MS, interval: 500 })
      .toMatch(/^(completed|failed|interrupted|cancelled)$/);
    expect(await row.locator('[data-status]').getAttribute('data-status'), server.stderr()).toBe('completed');

    await row.getByRole('link', { name: '#1', exact: true }).click();
    await page.getByRole('heading', { name: '#1 on-slurm', level: 1 }).waitFor();
    expect(await page.getByTestId('slurm-job').textContent()).toMatch(/^\d+_0$/);
    expect(await page.getByTestId('slurm-state').textContent()).toMatch(/^(COMPLETED|COMPLETING|RUNNING)$/);
  }, RUN_TIMEOUT_MS + 60_000);
});
