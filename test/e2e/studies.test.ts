import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunService } from '../../src-main/services/runs';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { chromiumMissing, launchChromium, VIEWPORT } from './browser';
import { type Serving, startServe } from './serve';

/**
 * The Studies view in a real browser against `temper serve`: a tiny study (2 quantizers × 1
 * bit-width × 2 seeds, one epoch, a 2-probe trace on 32 images) created from the template form,
 * watched to the end, its verdict, table and figures read, its CSV downloaded.
 */

const missing = chromiumMissing();
const suite = missing ? describe.skip : describe;

let tmp: string;
let server: Serving;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

// The tiny study took 9 s here with the host lightly loaded; the same runs took 100 s through the CLI on the loaded 2-core EPYC, so 4x that.
suite('the Studies view', { timeout: 400_000 }, () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-e2e-study-'));
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ backend: 'wasm', cpuWorkers: 1, threadsPerRun: 1 }));
    writeGratingsIdx(path.join(tmp, 'gratings'));
    const runs = new RunService(home);
    await runs.datasets.add(path.join(tmp, 'gratings'), { name: 'g' });
    await runs.close();
    [server, browser] = await Promise.all([startServe(home), launchChromium()]);
    page = await browser.newPage({ viewport: VIEWPORT, acceptDownloads: true });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates a study from the template, shows its progress, then its verdict, table and figures, and downloads the CSV', async () => {
    await page.goto(`${server.url}#/studies`);
    const form = page.getByRole('form', { name: 'New study' });
    await expect.poll(() => form.getByLabel('Dataset').inputValue()).toBe('g');
    await form.getByLabel('Model').selectOption('mlp');
    await form.getByLabel('Epochs').fill('1');
    await form.getByLabel('Training images').fill('0');
    await form.getByLabel('Seeds').fill('2');
    await form.getByLabel('Bit-widths').fill('2');
    await form.getByLabel('Quantizers').fill('lsq, nt');
    await form.getByLabel('Trace images').fill('32');
    await form.getByLabel('Trace probes').fill('2');
    await form.getByRole('button', { name: 'Create study' }).click();

    const study = page.getByRole('article', { name: 'Study 1' });
    await expect.poll(() => study.locator('.progress').textContent()).toMatch(/\/4 runs finished/);
    await expect.poll(() => study.locator('.progress').textContent(), { timeout: 360_000, interval: 2000 }).toMatch(/^\s*completed; 4\/4 runs finished, 4 completed,\s+4 measured; parent run 1/);

    const verdicts = await study.locator('.verdicts li').allTextContents();
    expect(verdicts).toHaveLength(2);
    expect(verdicts[0]).toMatch(
      /^nt − lsq at W2A2: [+−]\d+\.\d\d pt (\[[+−]\d+\.\d\d, [+−]\d+\.\d\d\], p [=<] \d\.\d{3}, Holm p [=<] \d\.\d{3}, (not significant|significant \((higher|lower)\))|, degenerate \(all paired differences equal: no variance to test\)) at n=2$/,
    );
    expect(await study.locator('.correction').textContent()).toMatch(/Holm-adjusted|No comparison has a p-value yet/);
    expect(verdicts[1]).toMatch(/^nt − lsq at W2A2 \(Hessian trace\): /);
    const rows = study.getByRole('table', { name: 'Results per cell' }).locator('tbody tr');
    expect(await rows.allTextContents()).toEqual([expect.stringMatching(/^lsqW2A2\d+\.\d\d ± \d+\.\d\d \(n=2\)/), expect.stringMatching(/^ntW2A2/)]);
    for (const alt of ['Test top-1 vs bit-width', 'Hessian trace vs test top-1']) {
      const image = study.getByRole('img', { name: alt });
      await expect.poll(() => image.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBeGreaterThan(0);
    }
    // The list is fetched just before the selected study on each refresh, so it may lag it by one refresh.
    await expect.poll(async () => (await page.getByRole('table', { name: 'Studies' }).locator('tbody tr').allTextContents())[0]).toMatch(/completed4\/4 finished, 4 measured/);

    const [download] = await Promise.all([page.waitForEvent('download'), study.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('study-1.csv');
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('kind,quantizer,bits,paths,measure,n,mean,sd,baseline,difference,low95,high95,df,method,p,p_holm,verdict,note');
    expect(pageErrors).toEqual([]);
  });
});
