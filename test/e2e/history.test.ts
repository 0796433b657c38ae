import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../shared/api';
import { chromiumMissing, launchChromium, VIEWPORT } from './browser';
import { type Serving, startServe } from './serve';

/**
 * A run's true history in a real browser, against `temper serve`: the first screen of an empty data
 * folder, a run cancelled and resumed (its log and its curves' markers), the time trained apart
 * from the wall time, the export downloaded as a zip, and Compare with runs added from inside it,
 * other axes and the metrics CSV. Each test needs the one before it.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'test-artifacts/screenshots');
/** Enough epochs that a cancel after the first lands before the last: a few seconds each on wasm. */
const LONG = { model: 'mlp', epochs: 8, batchSize: 32, limitTrain: 256, limitTest: 128, quant: { quantizer: 'fp' } };
const SHORT = { ...LONG, epochs: 2, seed: 1 };
const TRAIN_TIMEOUT_MS = 120_000;

const missing = chromiumMissing();
if (missing) console.warn(`test/e2e: the GUI tests are skipped: ${missing}`);
const suite = missing ? describe.skip : describe;

let tmp: string;
let server: Serving;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** The API as the web renderer calls it (the token in the header). */
async function api<T>(method: string, ...args: unknown[]): Promise<T> {
  const reply = await fetch(`${server.origin}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  const body = (await reply.json()) as { value?: T; error?: string };
  if (!reply.ok) throw new Error(`${method}: ${body.error}`);
  return body.value as T;
}

async function waitForRun(id: number, done: (d: RunDetail) => boolean): Promise<RunDetail> {
  let detail: RunDetail | null = null;
  await expect.poll(async () => done((detail = await api<RunDetail>('getRun', id))), { timeout: TRAIN_TIMEOUT_MS, interval: 200 }).toBe(true);
  return detail!;
}

function chart(title: string): Locator {
  return page.locator('figure.chart').filter({ has: page.locator('figcaption', { hasText: new RegExp(`^${title}$`) }) });
}

async function download(button: string, to: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: button, exact: true }).click()]);
  const target = path.join(tmp, to);
  await file.saveAs(target);
  return target;
}

suite(missing ? `a run's history in Chromium (skipped: ${missing})` : "a run's history in Chromium", () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-e2e-history-'));
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ backend: 'wasm', cpuWorkers: 1, threadsPerRun: 1 }));
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    [server, browser] = await Promise.all([startServe(home), launchChromium()]);
    page = await browser.newPage({ viewport: VIEWPORT, acceptDownloads: true });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    const code = server ? await server.stop() : 0;
    fs.rmSync(tmp, { recursive: true, force: true });
    expect(code, server?.stderr()).toBe(0);
  }, 30_000);

  it('opens an empty data folder on the steps to take, and loads the demo dataset from there', async () => {
    await page.getByRole('heading', { name: 'Start here' }).waitFor();
    await page.getByRole('button', { name: 'Load the demo dataset' }).click();
    await page.getByText('Ready: demo.').waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'New run' }).click();
    await expect.poll(() => page.evaluate('location.hash')).toBe('#/new');
  }, 120_000);

  it('shows a cancelled and resumed run: its log, markers on its curves, time trained apart from wall time', async () => {
    const { id } = await api<{ id: number }>('startRun', { dataset: 'demo', config: LONG, name: 'interrupted' });
    await waitForRun(id, (d) => d.run.epochsDone >= 1);
    await api('cancelRun', id);
    const cancelled = await waitForRun(id, (d) => d.run.status === 'cancelled');
    expect(cancelled.run.epochsDone, 'the cancel landed before the last epoch').toBeLessThan(LONG.epochs);
    await api('resumeRun', id);
    const detail = await waitForRun(id, (d) => d.run.status === 'completed');
    expect(detail.events.map((e) => e.kind)).toEqual(['created', 'started', 'cancel-requested', 'cancelled', 'resumed', 'completed']);

    await page.goto(`${server.origin}/#/runs/${id}`);
    const log = page.locator('.log');
    const resumed = detail.events.find((e) => e.kind === 'resumed')!;
    const cancel = detail.events.find((e) => e.kind === 'cancelled')!;
    // Epochs count from 1, as the header's: the cancel came in the epoch after those done.
    await log.getByText(`cancelled at epoch ${cancel.epoch + 1}/${LONG.epochs}, step ${cancel.step}`).waitFor();
    await log.getByText(/resumed (after epoch \d+\/\d+, from its checkpoint|from the start of epoch 1) \(step \d+\)/).waitFor();
    // On epoch charts a marker sits at the epochs done plus the part of the next one trained.
    const markers = (await chart('Loss').getAttribute('data-markers'))!.split(' ').map((m) => Number(m.split('@')[1]));
    expect(markers[0]).toBeGreaterThanOrEqual(cancel.epoch);
    expect(markers[0]).toBeLessThanOrEqual(cancel.epoch + 1);
    expect(markers[1]).toBe(resumed.epoch);
    expect(await chart('Training loss by step').getAttribute('data-markers')).toBe(`cancelled@${cancel.step} resumed@${resumed.step}`);
    expect(await page.getByTestId('duration').textContent()).toMatch(/^trained \d.* · wall \d/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run-history.png') });
  }, 300_000);

  it('downloads the export as a zip that Python reads', async () => {
    await page.getByRole('button', { name: 'Export', exact: true }).waitFor();
    const zip = await download('Export', 'export.zip');
    await page.getByText(/^Downloaded/).waitFor();
    const names = JSON.parse(
      execFileSync('python3', ['-c', 'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps(z.namelist()))', zip], { encoding: 'utf8' }),
    ) as string[];
    expect(names.every((n) => n.startsWith('temper-run-1-export/'))).toBe(true);
    expect(names.length).toBeGreaterThan(1);
  }, 120_000);

  it('adds a run from inside Compare, draws train loss and lr against wall time, and downloads every epoch as CSV', async () => {
    const { id } = await api<{ id: number }>('startRun', { dataset: 'demo', config: SHORT });
    await waitForRun(id, (d) => d.run.status === 'completed');
    await page.goto(`${server.origin}/#/compare?ids=1`);
    await page.getByLabel('Add runs').fill(String(id));
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.evaluate('location.hash')).toBe(`#/compare?ids=1,${id}`);
    await expect.poll(() => chart('Train loss').getAttribute('data-series')).toBe('2');
    expect(await chart('Learning rate').getAttribute('data-points')).toBe(String(LONG.epochs + SHORT.epochs));
    await page.getByLabel('x-axis').selectOption('wall');
    await page.getByLabel(/Smoothing/).fill('0.5');
    const csv = fs.readFileSync(await download('Metrics CSV', 'metrics.csv'), 'utf8').trim().split('\r\n');
    expect(csv).toHaveLength(1 + LONG.epochs + SHORT.epochs);
    expect(csv[1]).toMatch(/^1,interrupted,fp,,0,1,/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'compare-axes.png') });
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
