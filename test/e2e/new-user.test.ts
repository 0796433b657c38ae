import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, VIEWPORT } from './browser';
import { type Serving, startServe } from './serve';

/**
 * A new user's first session in a real browser, against `temper serve` on an empty data folder:
 * the demo dataset, a full-precision baseline, a noise-tempering run from it, both compared and
 * exported, then the sharpness of the noise-tempering run computed on its page and shown on Compare.
 * Each step needs the one before it, so the tests run in order on one page.
 * Screenshots of each view go to test-artifacts/screenshots/. TEMPER_DOC_IMAGES=1 regenerates the
 * README's pictures: the runs train longer (minutes) and the screenshots are copied to docs/images/.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'test-artifacts/screenshots');
const DOC_IMAGES = path.join(ROOT, 'docs/images');
const DOC_VIEWS = ['datasets', 'new-run', 'runs', 'run-detail', 'compare'];
const DOC_IMAGES_WANTED = process.env.TEMPER_DOC_IMAGES === '1';
/**
 * Runs small enough to train in seconds on wasm, with enough epochs to draw a curve; for the
 * README's pictures they train longer, so the curves show learning.
 */
const RUN = DOC_IMAGES_WANTED ? { epochs: 6, batchSize: 32, limitTrain: 2048, limitTest: 512 } : { epochs: 3, batchSize: 32, limitTrain: 256, limitTest: 256 };
const TRAIN_TIMEOUT_MS = DOC_IMAGES_WANTED ? 300_000 : 120_000;
/**
 * Sharpness from the run page, kept cheap: the two forward-only measures on 64 training images (a
 * few seconds on wasm; the Hessian trace on the same 64 images took 28–76 s on a 2-core machine).
 */
const SHARPNESS = { measures: ['Perturbation', 'Loss landscape'], images: 64, seed: 7 };
/** Units of work the progress counts: 10 perturbation directions and the unperturbed loss, 21 landscape points. */
const SHARPNESS_UNITS = 10 + 1 + 21;
const SHARPNESS_PERTURB_UNITS = 10 + 1;
const SHARPNESS_TIMEOUT_MS = 60_000;
/** A number as the GUI formats one (format.ts `number`): four significant digits, or an exponent. */
const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:e[-+]\d+)?`;

const missing = chromiumMissing();
if (missing) console.warn(`test/e2e: the GUI tests are skipped: ${missing}`);
const suite = missing ? describe.skip : describe;

let tmp: string;
let server: Serving;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** The mean perturbation sharpness the run page showed, to find again on Compare. */
let perturbationMean: string | null = null;
/** The first step of the walk that failed: the later ones need it, so they are skipped rather than timed out. */
let brokenStep: string | null = null;

/** One step of the walk; on failure it leaves a screenshot of the page in test-artifacts/screenshots/. */
function step(name: string, body: () => Promise<void>, timeout?: number): void {
  it(
    name,
    async (ctx) => {
      if (brokenStep) ctx.skip(`it needs the step that failed: ${brokenStep}`);
      try {
        await body();
      } catch (error) {
        brokenStep = name;
        await page.screenshot({ path: path.join(SCREENSHOTS, `failed-${name.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
        throw error;
      }
    },
    timeout,
  );
}

function navLink(name: string): Locator {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

/** A picture of the viewport, or of one element of the page (all of it, scrolled or not). */
async function screenshot(view: string, of: Page | Locator = page): Promise<void> {
  // Fonts and the last chart frame settle before the picture.
  await page.evaluate('document.fonts.ready');
  await of.screenshot({ path: path.join(SCREENSHOTS, `${view}.png`) });
  if (DOC_IMAGES_WANTED && DOC_VIEWS.includes(view)) {
    fs.copyFileSync(path.join(SCREENSHOTS, `${view}.png`), path.join(DOC_IMAGES, `${view}.png`));
  }
}

/** The Runs table row of run `id`. */
function runRow(id: number): Locator {
  return page.locator('tbody tr').filter({ has: page.getByRole('link', { name: `#${id}`, exact: true }) });
}

function statusOf(row: Locator): Promise<string | null> {
  return row.locator('[data-status]').getAttribute('data-status');
}

/** A value of the run detail's summary list, by its term. */
function summaryValue(term: string): Locator {
  return page.locator('.summary dl > div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${term}$`) }) }).locator('dd');
}

/** A chart by its caption; its data-series and data-points attributes say what it was given. */
function chart(title: string): Locator {
  const literal = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.locator('figure.chart').filter({ has: page.locator('figcaption', { hasText: new RegExp(`^${literal}$`) }) });
}

async function expectDrawn(title: string, series: number): Promise<void> {
  const figure = chart(title);
  await figure.waitFor();
  expect(Number(await figure.getAttribute('data-series')), title).toBe(series);
  expect(Number(await figure.getAttribute('data-points')), title).toBeGreaterThan(0);
  // chart.js sized its canvas: a chart was made, not just the caption.
  expect(await figure.locator('canvas').evaluate((canvas: { width: number; height: number }) => canvas.width > 0 && canvas.height > 0)).toBe(true);
}

/** Fills the New run form's size fields and name, and checks the config it will send. */
async function fillRunFields(name: string): Promise<void> {
  await page.getByLabel('Epochs', { exact: true }).fill(String(RUN.epochs));
  await page.getByLabel('Batch size', { exact: true }).fill(String(RUN.batchSize));
  await page.getByLabel('Limit train images', { exact: true }).fill(String(RUN.limitTrain));
  await page.getByLabel('Limit test images', { exact: true }).fill(String(RUN.limitTest));
  await page.getByLabel('Run name (optional)').fill(name);
  const config = page.getByTestId('config-json');
  await expect.poll(async () => JSON.parse(await config.inputValue())).toMatchObject({
    dataset: 'demo',
    name,
    config: { model: 'cnn-small', ...RUN },
  });
}

/** Waits in the Runs table, without reloading, until run `id` has finished; returns the statuses it showed. */
async function watchUntilFinished(id: number): Promise<string[]> {
  const row = runRow(id);
  await row.waitFor();
  const seen: string[] = [];
  await expect
    .poll(
      async () => {
        const status = (await statusOf(row)) ?? '';
        if (seen[seen.length - 1] !== status) seen.push(status);
        return status;
      },
      { timeout: TRAIN_TIMEOUT_MS, interval: 200 },
    )
    .toMatch(/^(completed|failed|cancelled|interrupted)$/);
  return seen;
}

suite(missing ? `the GUI in Chromium (skipped: ${missing})` : 'the GUI in Chromium', () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-e2e-'));
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    // The wasm backend on every machine, so the runs train the same here and in CI.
    fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ backend: 'wasm', cpuWorkers: 1, threadsPerRun: 1 }));
    fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    [server, browser] = await Promise.all([startServe(home), launchChromium()]);
    page = await browser.newPage({ viewport: VIEWPORT, acceptDownloads: true });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    // A marker that a reload would wipe: the Runs table must update live, not by reloading.
    await page.evaluate('window.__e2eSession = 1');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    const code = server ? await server.stop() : 0;
    fs.rmSync(tmp, { recursive: true, force: true });
    // It stops cleanly on Ctrl+C, with the trainer pool and the event streams open.
    expect(code, server?.stderr()).toBe(0);
  }, 30_000);

  step('opens on the empty Runs table, which points a new user to the demo dataset', async () => {
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Runs');
    await page.getByText('No runs yet.').waitFor();
    expect(await page.locator('nav[aria-label="Main"]').getByRole('link').allTextContents()).toEqual(['Runs', 'New run', 'Compare', 'Studies', 'Datasets', 'Settings']);
    expect(await page.locator('nav[aria-label="Main"] .foot').textContent()).toMatch(/v\d+\.\d+\.\d+ · web/);
  });

  step('creates the demo dataset and lists it with its shape, classes and thumbnails', async () => {
    await navLink('Datasets').click();
    await page.getByText('No datasets yet.').waitFor();
    await page.getByRole('button', { name: 'Create demo dataset' }).click();
    const card = page.locator('article', { has: page.getByRole('heading', { name: 'demo', exact: true }) });
    await card.waitFor({ timeout: 90_000 });
    await expect.poll(() => card.textContent()).toContain('32×32×3 · 10 classes');
    const thumbnail = card.getByRole('img', { name: 'Sample images of demo' });
    await thumbnail.waitFor();
    expect(await thumbnail.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Create demo dataset' }).isEnabled()).toBe(true);
    await screenshot('datasets');
  }, 120_000);

  step('starts a full-precision baseline from the New run form and watches it finish live in the Runs table', async () => {
    await navLink('New run').click();
    await page.getByRole('button', { name: 'Full-precision baseline' }).click();
    expect(await page.getByRole('button', { name: 'Full-precision baseline' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByLabel('Dataset', { exact: true }).selectOption('demo');
    await page.getByLabel('Model', { exact: true }).selectOption('cnn-small');
    expect(await page.getByLabel('Quantizer', { exact: true }).inputValue()).toBe('fp');
    await fillRunFields('baseline');
    await page.getByTestId('estimate').waitFor();
    await screenshot('new-run');

    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs$/);
    const statuses = await watchUntilFinished(1);
    expect(statuses[statuses.length - 1], server.stderr()).toBe('completed');
    // The table followed the run as it trained: it showed it running, then completed.
    expect(statuses).toContain('running');
    expect(await page.evaluate('window.__e2eSession')).toBe(1);
    await expect.poll(() => runRow(1).locator('td').nth(8).textContent()).toMatch(/^\d+\.\d\d%$/);
  }, TRAIN_TIMEOUT_MS + 30_000);

  step('shows the run: its curves, the wasm backend and the log', async () => {
    await runRow(1).getByRole('link', { name: '#1', exact: true }).click();
    await page.getByRole('heading', { name: '#1 baseline', level: 1 }).waitFor();
    expect(await summaryValue('Backend').textContent()).toBe('wasm');
    expect(await summaryValue('Quantizer').textContent()).toBe('fp');
    expect(await page.locator('[data-status]').first().getAttribute('data-status')).toBe('completed');
    // Train, test and val: the demo dataset has a val split, which picks the best epoch.
    await expectDrawn('Loss', 3);
    await expectDrawn('Top-1 accuracy', 3);
    await expectDrawn('Training loss by step', 1);
    expect(Number(await chart('Loss').getAttribute('data-points'))).toBe(3 * RUN.epochs);
    await expect.poll(() => page.locator('.log li').count()).toBeGreaterThan(0);
  });

  step('starts a W4A4 noise-tempering run from the baseline, which finishes with its Δ top-1 vs the parent', async () => {
    await page.getByRole('link', { name: 'New run from this run' }).click();
    await page.waitForURL(/#\/new\?from=1$/);
    const preset = page.getByRole('button', { name: 'Noise tempering W4A4' });
    await preset.click();
    expect(await preset.getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByLabel('Initialize from').inputValue()).toBe('1');
    expect(await page.getByLabel('Quantizer', { exact: true }).inputValue()).toBe('nt');
    expect(await page.getByLabel('Bits', { exact: true }).inputValue()).toBe('4');
    await fillRunFields('nt-w4a4');
    // The temper schedule is a form field like any other; the λ/λ0 < 1e-3 step is marked beside it and moves with τ.
    await page.getByLabel('τ', { exact: true }).fill('0.1');
    await expect.poll(() => page.getByTestId('lambda-floor').textContent()).toMatch(/^λ\/λ0 < 0\.001 from step \d+ of \d+ \(\d+ % of training/);
    expect(JSON.parse(await page.getByTestId('config-json').inputValue())).toMatchObject({
      initFrom: 1,
      config: { quant: { quantizer: 'nt', bits: 4, temper: { tau: 0.1 } } },
    });
    await screenshot('new-run');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs$/);
    const statuses = await watchUntilFinished(2);
    expect(statuses[statuses.length - 1], server.stderr()).toBe('completed');
    expect(await page.evaluate('window.__e2eSession')).toBe(1);
    await expect.poll(() => runRow(2).locator('td[data-column="delta"]').textContent()).toMatch(/^[+−]?\d+\.\d\d pt$/);
    await screenshot('runs');

    await runRow(2).getByRole('link', { name: '#2', exact: true }).click();
    await page.getByRole('heading', { name: '#2 nt-w4a4', level: 1 }).waitFor();
    expect(await summaryValue('Quantizer').textContent()).toBe('nt W4A4');
    expect(await summaryValue('Backend').textContent()).toBe('wasm');
    expect(await summaryValue('Δ top-1 vs parent').textContent()).toMatch(/pt$/);
    await expectDrawn('Top-1 accuracy', 3);
    await expectDrawn('Temper λ', 1);
    await page.getByRole('heading', { name: 'Quantizer statistics by layer' }).waitFor();
    await screenshot('run-detail');
  }, TRAIN_TIMEOUT_MS + 30_000);

  step('compares both runs: curves of each, the Δ top-1 vs parent, and a CSV export', async () => {
    await navLink('Runs').click();
    await page.getByLabel('Select run #1').check();
    await page.getByLabel('Select run #2').check();
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.waitForURL(/#\/compare\?ids=1,2$/);

    await page.getByTestId('compare-charts').waitFor();
    await expectDrawn('Test top-1', 2);
    await expectDrawn('Test loss', 2);
    const rows = page.getByTestId('compare-runs').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const headers = await page.getByTestId('compare-runs').locator('thead th').allTextContents();
    const cell = (row: number, header: string) => rows.nth(row).locator('td').nth(headers.indexOf(header)).textContent();
    expect(await cell(0, 'Run')).toBe('#1');
    expect(await cell(1, 'Run')).toBe('#2');
    expect(await cell(1, 'Quantizer')).toBe('nt W4A4');
    expect(await cell(1, 'Parent')).toBe('#1');
    expect(await cell(1, 'Δ top-1 vs parent')).toMatch(/^[+−]?\d+\.\d\d pt$/);
    expect(await cell(0, 'Δ top-1 vs parent')).toBe('—');
    await expect.poll(() => page.locator('section[data-render-ms]').getAttribute('data-render-ms')).toMatch(/^\d+$/);
    await screenshot('compare');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^temper-compare-runs-1-2-\d{4}-\d\d-\d\d\.csv$/);
    const lines = fs.readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    const header = lines[0].split(',');
    expect(header.slice(0, 12)).toEqual(['id', 'name', 'model', 'dataset', 'quantizer', 'bits', 'seed', 'status', 'finalTop1Percent', 'bestTop1Percent', 'parentId', 'deltaTop1VsParentPoints']);
    const [fp, nt] = lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((value, i) => [header[i], value])));
    expect(fp).toMatchObject({ id: '1', name: 'baseline', model: 'cnn-small', dataset: 'demo', quantizer: 'fp', status: 'completed', parentId: '', deltaTop1VsParentPoints: '' });
    expect(nt).toMatchObject({ id: '2', name: 'nt-w4a4', quantizer: 'nt', bits: '4', status: 'completed', parentId: '1' });
    // Percent as the table shows it, and Δ from those same shown values.
    expect(Number(nt.deltaTop1VsParentPoints)).toBeCloseTo(Number(nt.finalTop1Percent) - Number(fp.finalTop1Percent), 9);
    expect(await cell(1, 'Final top-1')).toBe(`${Number(nt.finalTop1Percent).toFixed(2)}%`);
  });

  step('computes the sharpness of the noise-tempering run on its page, following its progress live', async () => {
    await page.getByTestId('compare-runs').getByRole('link', { name: '#2', exact: true }).click();
    await page.getByRole('heading', { name: '#2 nt-w4a4', level: 1 }).waitFor();
    const panel = page.getByRole('region', { name: 'Sharpness' });
    await panel.getByText('No sharpness results yet.').waitFor();
    const form = panel.getByRole('form', { name: 'Compute sharpness' });
    for (const measure of ['Hessian trace', 'Top eigenvalue', 'Perturbation', 'Loss landscape']) {
      const box = form.getByLabel(measure, { exact: true });
      // Every measure is ticked by default; only the cheap ones stay.
      expect(await box.isChecked(), measure).toBe(true);
      await box.setChecked(SHARPNESS.measures.includes(measure));
    }
    await form.getByLabel('Images', { exact: true }).fill(String(SHARPNESS.images));
    await form.getByLabel('Seed').fill(String(SHARPNESS.seed));

    const started = Date.now();
    await form.getByRole('button', { name: 'Compute sharpness' }).click();
    // The job's row, then its progress bar and counts, until its result is stored: watched without reloading.
    const job = panel.getByTestId('sharpness-job');
    await job.waitFor({ timeout: 10_000 });
    const statuses = panel.getByTestId('sharpness-results').locator('tbody [data-status]');
    const progress: string[] = [];
    const bars = new Set<string | null>();
    await expect
      .poll(
        async () => {
          for (const text of await job.locator('span.muted').allTextContents()) if (progress[progress.length - 1] !== text) progress.push(text);
          for (const bar of await job.locator('progress').all()) bars.add(await bar.getAttribute('aria-label', { timeout: 50 }).catch(() => null));
          return (await statuses.allTextContents()).join(',');
        },
        { timeout: SHARPNESS_TIMEOUT_MS, interval: 100 },
      )
      .toMatch(/^(completed|failed|cancelled)$/);
    const seconds = (Date.now() - started) / 1000;
    expect(await statuses.first().textContent(), server.stderr()).toBe('completed');
    expect(await page.evaluate('window.__e2eSession')).toBe(1);

    // Live progress: at least one count short of the end, by measure, never going back.
    // Each measure counts its own units, as its result does: "Perturbation: loss 3 of 11 (...)", "Loss landscape: landscape point 5 of 21".
    const counts = progress.flatMap((text) => {
      const match = /^(Perturbation|Loss landscape): (?:loss|landscape point) (\d+) of (\d+)/.exec(text);
      if (!match) return [];
      const done = Number(match[2]);
      return [{ what: match[1], done, total: Number(match[3]), overall: match[1] === 'Perturbation' ? done : SHARPNESS_PERTURB_UNITS + done }];
    });
    expect(counts.length, progress.join(' | ')).toBeGreaterThan(0);
    expect(counts.every((c) => c.total === (c.what === 'Perturbation' ? SHARPNESS_PERTURB_UNITS : SHARPNESS_UNITS - SHARPNESS_PERTURB_UNITS)), progress.join(' | ')).toBe(true);
    expect(counts.some((c) => c.overall < SHARPNESS_UNITS), progress.join(' | ')).toBe(true);
    expect(counts.map((c) => c.overall), progress.join(' | ')).toEqual([...counts.map((c) => c.overall)].sort((a, b) => a - b));
    console.info(`test/e2e: sharpness (${SHARPNESS.measures.join(' + ')}, ${SHARPNESS.images} images) took ${seconds.toFixed(1)} s from the click to its result; progress seen: ${progress.join(' | ')}`);
    // Its progress bar says how far it is, in its accessible name.
    expect([...bars].filter((label) => /^Sharpness #1 progress: ([1-9]\d?)%$/.test(label ?? '')), [...bars].join(' | ')).not.toEqual([]);
    // The job's row goes once it has ended.
    await expect.poll(() => job.count()).toBe(0);

    // The result row: the perturbation numbers, no trace or eigenvalue, the images and parameters it was asked for.
    const table = panel.getByTestId('sharpness-results');
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    const headers = await table.locator('thead th').allTextContents();
    expect(headers).toEqual(['Result', 'Status', 'Hessian trace', 'Top eigenvalue', 'Perturbation', 'Images', 'Time', 'Parameters']);
    const cell = (header: string) => rows.first().locator('td').nth(headers.indexOf(header));
    expect(await cell('Result').textContent()).toMatch(/^#1 /);
    expect(await cell('Hessian trace').textContent()).toBe('—');
    expect(await cell('Top eigenvalue').textContent()).toBe('—');
    const perturbation = (await cell('Perturbation').textContent())?.replace(/\s+/g, ' ').trim() ?? '';
    // Loss changes are signed: + or − (a perturbed quantized model can land lower).
    const perturbationParts = new RegExp(`^mean ([+−])(${NUMBER}), max [+−]${NUMBER} at ρ = 0\\.05 \\(10 directions\\) ?base loss ${NUMBER}$`).exec(perturbation);
    expect(perturbationParts, perturbation).not.toBeNull();
    perturbationMean = `${perturbationParts![1] === '−' ? '-' : ''}${perturbationParts![2]}`;
    // The count, and under it where the images came from: the run's own training images by default.
    expect((await cell('Images').textContent())?.replace(/\s+/g, ' ').trim()).toBe(`${SHARPNESS.images} own training images`);
    expect(await cell('Time').textContent()).toMatch(/^\d+ s$/);
    const params = JSON.parse((await cell('Parameters').locator('pre').textContent()) ?? '{}');
    expect(params).toMatchObject({ measures: ['perturb', 'landscape'], images: SHARPNESS.images, seed: SHARPNESS.seed, perturb: { directions: 10 }, landscape: { points: 21 } });

    // The landscape of that result: loss and top-1 at each of the 21 values of α.
    await panel.getByRole('heading', { name: 'Loss landscape of result #1', level: 3 }).waitFor();
    await expectDrawn('Loss vs α', 1);
    await expectDrawn('Top-1 vs α', 1);
    expect(Number(await chart('Loss vs α').getAttribute('data-points'))).toBe(21);
    await screenshot('sharpness', panel);
  }, SHARPNESS_TIMEOUT_MS + 30_000);

  step('compares both runs again: the landscape of the run that has one, and the sharpness columns', async () => {
    await navLink('Runs').click();
    await page.getByLabel('Select run #1').check();
    await page.getByLabel('Select run #2').check();
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.waitForURL(/#\/compare\?ids=1,2$/);

    // Only #2 has a landscape: one loss-vs-α line.
    await page.getByTestId('compare-landscape').waitFor();
    await expectDrawn('Loss landscape (1-D)', 1);
    expect(Number(await chart('Loss landscape (1-D)').getAttribute('data-points'))).toBe(21);
    const rows = page.getByTestId('compare-runs').locator('tbody tr');
    const headers = await page.getByTestId('compare-runs').locator('thead th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['Hessian trace', 'Top eigenvalue', 'Perturbation']));
    const cell = (row: number, header: string) => rows.nth(row).locator('td').nth(headers.indexOf(header)).textContent();
    expect(await cell(1, 'Run')).toBe('#2');
    // The newest result's mean loss increase, as its run page showed it.
    expect(await cell(1, 'Perturbation')).toBe(perturbationMean);
    expect(await cell(1, 'Hessian trace')).toBe('—');
    expect(await cell(1, 'Top eigenvalue')).toBe('—');
    for (const header of ['Hessian trace', 'Top eigenvalue', 'Perturbation']) expect(await cell(0, header), `#1 ${header}`).toBe('—');
    // The landscape and the runs table below it, in one picture; at this width the sharpness columns
    // are past the table's right edge, so its scroller goes to them.
    await page.getByTestId('compare-runs').scrollIntoViewIfNeeded();
    await page
      .getByTestId('compare-runs')
      .locator('xpath=..')
      .evaluate((scroller: { scrollLeft: number; scrollWidth: number }) => (scroller.scrollLeft = scroller.scrollWidth));
    await screenshot('compare-sharpness');
  });

  it('shows the settings with the wasm backend this data folder chose', async () => {
    await navLink('Settings').click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await expect.poll(() => page.getByLabel('Backend').inputValue()).toBe('wasm');
    await page.locator('table.backends').waitFor({ timeout: 30_000 });
    await screenshot('settings');
  });

  it('threw no uncaught error in the page along the way', () => {
    expect(pageErrors).toEqual([]);
  });

  it('without the token, the server answers 401 and no app', async () => {
    const stranger = await browser.newPage();
    try {
      for (const target of ['/', '/index.html', '/?token=not-the-token']) {
        const response = await stranger.goto(server.origin + target);
        expect(response?.status(), target).toBe(401);
        expect(await stranger.locator('body').textContent()).toContain('open the address `temper serve` printed');
        expect(await stranger.locator('nav[aria-label="Main"]').count()).toBe(0);
      }
      const api = await stranger.request.post(`${server.origin}/api/listRuns`, { data: { args: [{}] } });
      expect(api.status()).toBe(401);
    } finally {
      await stranger.close();
    }
  });
});
