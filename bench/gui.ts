// The GUI at the scale design.md promises, in Chromium against `temper serve`: a data folder of
// 10,000 runs (200 epochs each) written straight through the store, then what a user waits for:
// the Compare view drawing 50 runs x 200 epochs (under 300 ms from the data's arrival), and the
// Runs table's first page, next page, filter and sort, timed from the action to the new rows on
// screen, with the longest main-thread task (PerformanceObserver 'longtask') during each.
// Run: npx tsx bench/gui.ts [--runs 10000] [--epochs 200] [--repeats 5]   (needs `npm run build` and Chromium)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { MODEL_NAMES, QUANTIZER_KINDS, parseTrainConfig } from '../shared/config';
import { openStore } from '../src-main/store/store';
import { CHROMIUM, chromiumMissing, launchChromium, VIEWPORT } from '../test/e2e/browser';
import { startServe } from '../test/e2e/serve';
import { syntheticEpoch } from './synthetic-epoch';

const COMPARE_TARGET_MS = 300;
const COMPARED_RUNS = 50;
const FILTER = 'quantizer=nt and bits in (2,3)';
const RUNS_PER_TRANSACTION = 100;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10000' }, epochs: { type: 'string', default: '200' }, repeats: { type: 'string', default: '5' } },
});
const runCount = Number(values.runs);
const epochCount = Number(values.epochs);
const repeats = Number(values.repeats);
if (!Number.isInteger(runCount) || runCount < 500) throw new Error(`bench/gui: --runs must be an integer of at least 500, got '${values.runs}'`);
if (!Number.isInteger(epochCount) || epochCount < 1) throw new Error(`bench/gui: --epochs must be a positive integer, got '${values.epochs}'`);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`bench/gui: --repeats must be a positive integer, got '${values.repeats}'`);

const epoch = (e: number, top1: number) => syntheticEpoch(e, top1, epochCount);

/** As bench/store.ts: completed runs of every model and quantizer, each quantized run the child of the full-precision run before it. */
function prefill(home: string): number {
  const store = openStore(home);
  const started = performance.now();
  try {
    for (const name of ['fmnist', 'cifar10']) {
      store.upsertDataset({ name, format: 'idx', shape: [28, 28, 1], classes: ['0'], counts: { train: 1 }, contentHash: name, manifestPath: name, createdAt: 0 });
    }
    const createdBase = Date.UTC(2025, 0, 1);
    let fpParent: number | null = null;
    for (let first = 0; first < runCount; first += RUNS_PER_TRANSACTION) {
      store.transaction(() => {
        for (let r = first; r < Math.min(runCount, first + RUNS_PER_TRANSACTION); r++) {
          const quantizer = QUANTIZER_KINDS[r % QUANTIZER_KINDS.length];
          const config = parseTrainConfig({
            model: MODEL_NAMES[r % MODEL_NAMES.length],
            epochs: epochCount,
            seed: r % 5,
            quant: { quantizer, bits: 2 + ((r >> 3) % 7) },
          });
          const parentId = quantizer === 'fp' ? null : fpParent;
          const id = store.insertRun({ config, dataset: r % 2 ? 'fmnist' : 'cifar10', name: `run-${r}`, parentId, createdAt: createdBase + r * 60_000 });
          if (quantizer === 'fp') fpParent = id;
          store.markRunning(id, { backend: 'wasm', device: 'bench', startedAt: createdBase + r * 60_000 });
          const ceiling = 0.8 + (r % 17) / 100;
          for (let e = 1; e <= epochCount; e++) store.appendEpochMetrics(id, epoch(e, ceiling * (1 - Math.exp(-e / 10))));
          store.finishRun(id, { status: 'completed', finalTop1: ceiling, finishedAt: createdBase + r * 60_000 + 3_600_000 });
        }
      });
    }
    store.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.close();
  }
  return performance.now() - started;
}

/**
 * Installed in the page before the app: long tasks as they happen, and `measure`, which runs an
 * action and resolves with the milliseconds until `done` holds after a DOM change, at the next
 * frame, with the longest task meanwhile.
 */
const PAGE_PROBE = `
window.__bench = { longTasks: [] };
const keepLongTasks = (entries) => {
  for (const e of entries) window.__bench.longTasks.push({ start: e.startTime, duration: e.duration });
};
const longTaskObserver = new PerformanceObserver((list) => keepLongTasks(list.getEntries()));
longTaskObserver.observe({ type: 'longtask', buffered: true });
// Entries reach the observer a while after their task: a settle delay, then the ones still queued.
window.__bench.longestSince = (t0) => new Promise((resolve) => setTimeout(() => {
  keepLongTasks(longTaskObserver.takeRecords());
  resolve(window.__bench.longTasks.filter((t) => t.start + t.duration > t0).reduce((m, t) => Math.max(m, t.duration), 0));
}, 250));
window.__bench.measure = (act, done, timeoutMs) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  let finished = false;
  const observer = new MutationObserver(() => check());
  const timer = setTimeout(() => { observer.disconnect(); reject(new Error('not done within ' + timeoutMs + ' ms')); }, timeoutMs);
  function check() {
    if (finished || !done()) return;
    finished = true;
    observer.disconnect();
    clearTimeout(timer);
    requestAnimationFrame(() => {
      const ms = performance.now() - t0;
      // A long task that ends after the action was (partly) the user's wait.
      window.__bench.longestSince(t0).then((longest) => resolve({ ms, longest }));
    });
  }
  observer.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
  act();
  check();
});
`;

/** Browser-side helpers the measured expressions use, as source text (the bench compiles without the DOM library). */
const ROW_HELPERS = `
const rows = () => [...document.querySelectorAll('section[aria-labelledby="runs-title"] tbody tr')];
const cells = (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim());
const signature = () => rows().map((tr) => cells(tr)[1]).join('|');
`;

interface Sample {
  ms: number;
  longest: number;
}

/** Runs `act` in the page and waits for `done` (both JavaScript source, with ROW_HELPERS in scope). */
function measure(page: Page, act: string, done: string, timeoutMs = 30_000): Promise<Sample> {
  return page.evaluate(`(() => { ${ROW_HELPERS} return window.__bench.measure(() => { ${act} }, () => (${done}), ${timeoutMs}); })()`) as Promise<Sample>;
}

/** Leaves the current view for an empty one, so the next navigation mounts its view afresh. */
async function leaveView(page: Page): Promise<void> {
  await page.evaluate(`location.hash = '#/bench-blank'`);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
}

interface Row {
  measure: string;
  samples: Sample[];
  /** The median must stay under this many ms. */
  target?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchCompare(page: Page, ids: number[]): Promise<Row[]> {
  const hash = `#/compare?ids=${ids.join(',')}`;
  const points = ids.length * epochCount;
  const rendered: Sample[] = [];
  const total: Sample[] = [];
  // One warm-up visit: the first draw also compiles chart.js's code paths.
  for (let i = 0; i <= repeats; i++) {
    await leaveView(page);
    const sample = await measure(
      page,
      `location.hash = ${JSON.stringify(hash)}`,
      `(() => {
        const section = document.querySelector('section[data-render-ms]');
        const charts = [...document.querySelectorAll('[data-testid="compare-charts"] figure')];
        return section !== null && charts.length === 2 && charts.every((f) => Number(f.dataset.points) === ${points});
      })()`,
    );
    const renderMs = Number(await page.locator('section[data-render-ms]').getAttribute('data-render-ms'));
    if (i === 0) continue;
    total.push(sample);
    rendered.push({ ms: renderMs, longest: sample.longest });
  }
  return [
    { measure: `Compare ${ids.length} runs x ${epochCount} epochs: data to charts drawn (data-render-ms)`, samples: rendered, target: COMPARE_TARGET_MS },
    { measure: `Compare ${ids.length} runs x ${epochCount} epochs: navigation to charts drawn (incl. fetch)`, samples: total },
  ];
}

async function benchRuns(page: Page): Promise<Row[]> {
  const firstPage: Sample[] = [];
  for (let i = 0; i <= repeats; i++) {
    await leaveView(page);
    const sample = await measure(page, `location.hash = '#/runs'`, `rows().length === 50 && /\\d+\\s+of\\s+[\\d,]+ runs/.test(document.querySelector('.pager').textContent)`);
    if (i > 0) firstPage.push(sample);
  }

  const nextPage: Sample[] = [];
  for (let i = 0; i < repeats; i++) {
    nextPage.push(
      await measure(
        page,
        `window.__before = signature(); [...document.querySelectorAll('.pager button')].find((b) => b.textContent === 'Next').click()`,
        `rows().length === 50 && signature() !== window.__before`,
      ),
    );
  }

  const sortBy = (label: string) => `[...document.querySelectorAll('thead button.sort')].find((b) => b.textContent.startsWith(${JSON.stringify(label)})).click()`;
  const sortedBest = (order: 'asc' | 'desc') => `(() => {
    const best = rows().map((tr) => parseFloat(cells(tr)[8]));
    return rows().length === 50 && signature() !== window.__before && best.every((v, i) => i === 0 || (${order === 'desc' ? 'best[i - 1] >= v' : 'best[i - 1] <= v'}));
  })()`;
  const sortAll: Sample[] = [];
  for (let i = 0; i < repeats; i++) {
    // The first click sorts by best top-1 descending; each next one flips the order.
    const order = i % 2 === 0 ? 'desc' : 'asc';
    sortAll.push(await measure(page, `window.__before = signature(); ${sortBy('Best top-1')}`, sortedBest(order)));
  }

  const setFilter = (text: string) => `
    window.__before = signature();
    const input = document.getElementById('runs-filter');
    input.value = ${JSON.stringify(text)};
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.form.requestSubmit();`;
  const filtered = `rows().length > 0 && signature() !== window.__before && rows().every((tr) => cells(tr)[4] === 'nt' && ['2', '3'].includes(cells(tr)[5]))`;
  const applyFilter: Sample[] = [];
  const clearFilter: Sample[] = [];
  for (let i = 0; i < repeats; i++) {
    applyFilter.push(await measure(page, setFilter(FILTER), filtered));
    clearFilter.push(await measure(page, setFilter(''), `rows().length === 50 && signature() !== window.__before`));
  }

  await measure(page, setFilter(FILTER), filtered);
  const sortFiltered: Sample[] = [];
  for (let i = 0; i < repeats; i++) {
    sortFiltered.push(
      await measure(
        page,
        `window.__before = signature(); ${sortBy('Model')}`,
        `rows().length > 0 && signature() !== window.__before && rows().every((tr) => cells(tr)[4] === 'nt')`,
      ),
    );
  }

  const pageSize: Sample[] = [];
  await measure(page, setFilter(''), `rows().length === 50 && signature() !== window.__before`);
  const showRows = (size: number) =>
    measure(page, `const s = document.querySelector('.pager select'); s.value = '${size}'; s.dispatchEvent(new Event('change', { bubbles: true }))`, `rows().length === ${size}`);
  for (let i = 0; i < repeats; i++) {
    pageSize.push(await showRows(200));
    await showRows(50);
  }

  return [
    { measure: `Runs (${runCount.toLocaleString('en')}): first page of 50, navigation to rows`, samples: firstPage },
    { measure: 'Runs: next page', samples: nextPage },
    { measure: 'Runs: sort all runs by best top-1', samples: sortAll },
    { measure: `Runs: apply filter '${FILTER}'`, samples: applyFilter },
    { measure: 'Runs: clear the filter', samples: clearFilter },
    { measure: 'Runs: sort the filtered runs by model', samples: sortFiltered },
    { measure: 'Runs: 200 rows per page', samples: pageSize },
  ];
}

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) throw new Error(`bench/gui: ${missing}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-bench-gui-'));
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  try {
    console.log(`bench/gui: writing ${runCount} runs x ${epochCount} epochs into ${home}`);
    const insertMs = prefill(home);
    console.log(`prefill: ${(insertMs / 1000).toFixed(1)} s; Chromium ${CHROMIUM}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores\n`);

    const [server, browser] = await Promise.all([startServe(home), launchChromium()]);
    const rows: Row[] = [];
    let longestOverall = 0;
    try {
      const page = await browser.newPage({ viewport: VIEWPORT });
      await page.addInitScript({ content: PAGE_PROBE });
      await page.goto(server.url);
      await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
      const ids = Array.from({ length: COMPARED_RUNS }, (_, i) => 1 + Math.floor((i * runCount) / COMPARED_RUNS));
      rows.push(...(await benchCompare(page, ids)));
      rows.push(...(await benchRuns(page)));
      longestOverall = (await page.evaluate('window.__bench.longestSince(0)')) as number;
    } finally {
      await browser.close();
      await server.stop();
    }

    console.table(
      rows.map((r) => {
        const times = r.samples.map((s) => s.ms);
        return {
          measure: r.measure,
          'median ms': Math.round(median(times)),
          'max ms': Math.round(Math.max(...times)),
          'longest task ms': Math.round(Math.max(...r.samples.map((s) => s.longest))),
          target: r.target ? `< ${r.target}` : '',
          ok: r.target ? median(times) < r.target : '',
        };
      }),
    );
    console.log(`${repeats} samples each (after a warm-up for view loads); longest main-thread task over the whole session (app start included): ${Math.round(longestOverall)} ms`);
    const missed = rows.filter((r) => r.target !== undefined && median(r.samples.map((s) => s.ms)) >= r.target);
    if (missed.length > 0) {
      console.error(`bench/gui: missed its target: ${missed.map((r) => r.measure).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
