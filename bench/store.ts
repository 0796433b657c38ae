// The store at the scale design.md promises: 10,000 runs of 200 epochs in a temporary database,
// then the three queries the Runs and Compare views make, each of which must take under 50 ms.
// Run: npx tsx bench/store.ts [--runs 10000] [--epochs 200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_NAMES, QUANTIZER_KINDS, parseTrainConfig } from '../shared/config';
import { storeFile } from '../src-main/store/db';
import { openStore } from '../src-main/store/store';
import { syntheticEpoch } from './synthetic-epoch';

const TARGET_MS = 50;
const REPEATS = 9;
const RUNS_PER_TRANSACTION = 100;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, epochs: { type: 'string', default: '200' } } });
const runCount = Number(values.runs);
const epochCount = Number(values.epochs);
if (!Number.isInteger(runCount) || runCount < 50) throw new Error(`bench/store: --runs must be an integer of at least 50, got '${values.runs}'`);
if (!Number.isInteger(epochCount) || epochCount < 1) throw new Error(`bench/store: --epochs must be a positive integer, got '${values.epochs}'`);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-bench-store-'));
const store = openStore(home);

const epoch = (e: number, top1: number) => syntheticEpoch(e, top1, epochCount);

function insertAll(): number {
  for (const name of ['fmnist', 'cifar10']) {
    store.upsertDataset({ name, format: 'idx', shape: [28, 28, 1], classes: ['0'], counts: { train: 1 }, contentHash: name, manifestPath: name, createdAt: 0 });
  }
  const started = performance.now();
  const createdBase = Date.UTC(2025, 0, 1);
  for (let first = 0; first < runCount; first += RUNS_PER_TRANSACTION) {
    store.transaction(() => {
      for (let r = first; r < Math.min(runCount, first + RUNS_PER_TRANSACTION); r++) {
        const config = parseTrainConfig({
          model: MODEL_NAMES[r % MODEL_NAMES.length],
          epochs: epochCount,
          seed: r % 5,
          quant: { quantizer: QUANTIZER_KINDS[r % QUANTIZER_KINDS.length], bits: 2 + ((r >> 3) % 7) },
        });
        const id = store.insertRun({ config, dataset: r % 2 ? 'fmnist' : 'cifar10', name: `run-${r}`, createdAt: createdBase + r * 60_000 });
        store.markRunning(id, { backend: 'tensorflow', device: 'bench', startedAt: createdBase + r * 60_000 });
        const ceiling = 0.8 + (r % 17) / 100;
        for (let e = 1; e <= epochCount; e++) store.appendEpochMetrics(id, epoch(e, ceiling * (1 - Math.exp(-e / 10))));
        store.finishRun(id, { status: 'completed', finalTop1: ceiling});
      }
    });
  }
  return performance.now() - started;
}

function median(fn: () => unknown): number {
  fn(); // warm-up: statement preparation and page cache
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(REPEATS / 2)];
}

try {
  console.log(`bench/store: inserting ${runCount} runs x ${epochCount} epochs into ${storeFile(home)}`);
  const insertMs = insertAll();
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = fs.statSync(storeFile(home)).size;
  console.log(`insert: ${(insertMs / 1000).toFixed(1)} s (${Math.round((runCount * epochCount) / (insertMs / 1000))} epoch rows/s), file ${(bytes / 2 ** 20).toFixed(1)} MiB\n`);

  const curveIds = Array.from({ length: 50 }, (_, i) => 1 + Math.floor((i * runCount) / 50));
  let filtered = { rows: [] as unknown[], total: 0 };
  const rows = [
    { query: 'page of 50 runs by created_at desc', ms: median(() => store.listRuns({ sort: 'created_at', order: 'desc', limit: 50 })) },
    {
      query: 'quantizer=nt and bits in (2,3): page + total',
      ms: median(() => (filtered = store.listRuns({ filter: 'quantizer=nt and bits in (2,3)', sort: 'created_at', order: 'desc', limit: 50 }))),
    },
    { query: `epoch curves of 50 runs (${50 * epochCount} rows)`, ms: median(() => store.epochCurves(curveIds)) },
  ];
  console.table(rows.map((r) => ({ query: r.query, 'median ms': Number(r.ms.toFixed(2)), target: `< ${TARGET_MS}`, ok: r.ms < TARGET_MS })));
  console.log(`filter matched ${filtered.total} runs; integrity_check: ${store.integrityCheck()}`);
  const missed = rows.filter((r) => r.ms >= TARGET_MS);
  if (missed.length > 0) {
    console.error(`bench/store: missed the ${TARGET_MS} ms target: ${missed.map((r) => r.query).join('; ')}`);
    process.exitCode = 1;
  }
} finally {
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
}
