import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store/store';
import { epochMetrics, newRun } from '../store/fixtures';
import { chromiumMissing, launchChromium } from './browser';
import { type Serving, startServe } from './serve';

/**
 * Every view at the two window sizes people use (a 1024×700 laptop, a 1400×900 desktop): nothing may
 * stick out of its panel, nor make the page scroll sideways, nor hide behind a sideways scroll inside
 * the page; no text is cut inside a table cell (unless its title gives it whole); a toolbar stays on
 * one line. The data folder holds the real demo dataset and runs written through the store (no
 * training: this test is about layout), with long names, a long group name and every panel filled.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCREENSHOTS = path.join(ROOT, 'test-artifacts/screenshots');
const SIZES = [
  { width: 1024, height: 700 },
  { width: 1400, height: 900 },
];
const VIEWS = ['#/datasets', '#/runs', '#/new', '#/new?from=1', '#/runs/2', '#/compare?ids=1,2,3', '#/compare?group=1', '#/settings'];

const missing = chromiumMissing();
const suite = missing ? describe.skip : describe;

let tmp: string;
let server: Serving;
let browser: Browser;

function temper(...args: string[]): void {
  execFileSync(process.execPath, [path.join(ROOT, 'bin/temper.js'), ...args], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
}

/** Three runs on the demo set: an fp parent, an nt child with sharpness, and a failed one with a long name; the first two in a group with a long name. */
function seedRuns(home: string): void {
  const store = openStore(home);
  try {
    const group = store.insertGroup('sweep of quant.quantizer × quant.bits × seed on the demo set, with a long name', { sweep: { 'quant.quantizer': ['fp', 'nt'] } });
    const fp = store.insertRun({ ...newRun({ quant: { quantizer: 'fp' }, limitTrain: 512, limitTest: 256 }), dataset: 'demo', name: 'fp baseline', groupId: group });
    const nt = store.insertRun({ ...newRun({ quant: { quantizer: 'nt', bits: 4 }, lr: { base: 0.01 } }), dataset: 'demo', parentId: fp, name: 'noise tempering W4A4 with a rather long descriptive run name', groupId: group });
    const failed = store.insertRun({ ...newRun({ quant: { quantizer: 'lsq', bits: 2 } }), dataset: 'demo', parentId: fp });
    for (const [id, top1] of [[fp, 0.6], [nt, 0.55]] as const) {
      store.markRunning(id, { backend: 'wasm', device: 'AMD EPYC processor with a long device description (2 threads)' });
      for (let epoch = 1; epoch <= 3; epoch++) store.appendEpochMetrics(id, epochMetrics(epoch, top1 + epoch / 100, 6));
      store.appendStepMetrics(id, Array.from({ length: 30 }, (_, i) => ({ step: i + 1, loss: 2 - i / 20, lr: 0.1, lambda: 1 - i / 30, imagesPerSec: 900 })));
      store.finishRun(id, { status: 'completed', finalTop1: top1 + 0.03});
      store.addTag(id, 'layout-check');
    }
    store.markRunning(failed, { backend: 'wasm', device: 'cpu' });
    store.finishRun(failed, { status: 'failed', error: 'Training diverged at epoch 1, step 12: the loss became NaN (lr 0.1 is too high for 2-bit lsq from scratch)' });
    const sharpness = store.insertSharpness(nt, { measures: ['trace', 'eigen', 'perturb', 'landscape'], images: 1024, seed: 0 }, { pid: process.pid, host: os.hostname() });
    const alphas = Array.from({ length: 21 }, (_, i) => -1 + i / 10);
    store.finishSharpness(sharpness, 'completed', {
      trace: { value: 412.345, stderr: 8.12, iterations: 37 },
      eigen: { value: 56.789, iterations: 50, converged: false },
      perturb: { mean: 0.0123, max: 0.0456, base: 0.4321, radius: 0.05, directions: 10 },
      landscape: { alphas, loss: alphas.map((a) => 0.5 + a * a), top1: alphas.map((a) => 0.6 - a * a / 4) },
      images: 1024,
      seconds: 42.4,
    });
  } finally {
    store.close();
  }
}

/**
 * Elements that stick out of their panel (unless a scrolling box between them takes the overflow),
 * and page-wide sideways scroll. A script string: it runs in the page, whose DOM types this file
 * (compiled for Node) does not have.
 */
const OVERFLOWS = String.raw`(() => {
  const PANEL = '.panel, .table-panel, figure, fieldset, .card, aside, main';
  const problems = [];
  const describe = (el) =>
    el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
    ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  const root = document.scrollingElement;
  if (root.scrollWidth > root.clientWidth + 1) problems.push('the page scrolls sideways: ' + root.scrollWidth + ' > ' + root.clientWidth);
  for (const el of document.querySelectorAll('main *')) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.visually-hidden')) continue;
    const style = getComputedStyle(el);
    // Columns behind a sideways scroll inside the page are as hidden as cut ones (form fields and code scroll by nature).
    // A table that says it scrolls (data-scrolls-sideways, with a note above it) may.
    if (['auto', 'scroll'].includes(style.overflowX) && !el.matches('input, textarea, select, pre, [data-scrolls-sideways]') && el.scrollWidth > el.clientWidth + 1) {
      problems.push(describe(el) + ' hides ' + (el.scrollWidth - el.clientWidth) + ' px behind a sideways scroll');
    }
    // Text cut inside a cell (by the cell's own width or an ellipsis), unless its title gives it whole.
    if ((el.matches('td, th') || style.textOverflow === 'ellipsis') && el.scrollWidth > el.clientWidth + 1 && !el.title) {
      problems.push(describe(el) + ' cuts its text: ' + el.scrollWidth + ' > ' + el.clientWidth + ' px');
    }
    // A toolbar is one line at 1400 px; at 1024 it may wrap, but a group of controls (the export buttons) never splits.
    if ((el.matches('.toolbar') && window.innerWidth >= 1400) || el.matches('.toolbar-group')) {
      const tops = new Set([...el.children].filter((c) => c.getBoundingClientRect().height > 0).map((c) => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2)));
      if (tops.size > 1) problems.push(describe(el) + ' wraps to ' + tops.size + ' lines');
    }
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(box).overflowX)) break;
      if (!box.matches(PANEL)) continue;
      const outer = box.getBoundingClientRect();
      if (rect.right > outer.right + 1 || rect.left < outer.left - 1) {
        problems.push(describe(el) + ' [' + Math.round(rect.left) + '–' + Math.round(rect.right) + '] sticks out of ' +
          describe(box) + ' [' + Math.round(outer.left) + '–' + Math.round(outer.right) + ']');
      }
      break;
    }
  }
  return problems;
})()`;

const overflows = (page: Page): Promise<string[]> => page.evaluate(OVERFLOWS) as Promise<string[]>;
const goTo = (page: Page, hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);

suite('layout at 1024×700 and 1400×900', () => {
  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-layout-'));
    const home = path.join(tmp, 'home');
    temper('datasets', 'demo', path.join(tmp, 'demo'));
    temper('datasets', 'add', path.join(tmp, 'demo'), '--name', 'demo', '--home', home);
    seedRuns(home);
    server = await startServe(home);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const size of SIZES) {
    it(`fits every view in ${size.width}×${size.height}`, async () => {
      const page = await browser.newPage({ viewport: size });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      const found: string[] = [];
      for (const view of VIEWS) {
        await goTo(page, view);
        await page.locator('main h1').first().waitFor();
        // The backend check answers after the page has settled.
        if (view === '#/settings') await page.locator('main table').first().waitFor();
        // Data, charts and fonts settle before measuring.
        await page.waitForLoadState('networkidle');
        await page.evaluate('document.fonts.ready');
        await page.waitForTimeout(300);
        const problems = await overflows(page);
        if (problems.length) {
          found.push(`${view}:\n  ${problems.slice(0, 8).join('\n  ')}`);
          await page.screenshot({ path: path.join(SCREENSHOTS, `layout-${size.width}-${view.replace(/\W+/g, '-')}.png`), fullPage: true });
        }
      }
      await goTo(page, '#/new');
      await page.locator('main h1').first().waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, `layout-${size.width}-new-run.png`) });
      // The check itself can fail: a too-wide element planted in a panel is reported.
      await page.evaluate(`{
        const wide = document.createElement('div');
        wide.style.width = '3000px';
        wide.textContent = 'planted';
        document.querySelector('main .panel').append(wide);
      }`);
      expect((await overflows(page)).some((p) => p.includes('planted'))).toBe(true);
      await page.close();
      expect(found.join('\n')).toBe('');
      expect(errors).toEqual([]);
    }, 120_000);
  }
});
