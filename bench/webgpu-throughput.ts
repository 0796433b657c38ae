// Training throughput of one model on WebGPU against WebAssembly in the same run: images/s at one
// batch size (median of --steps steps after 2 warm-up steps, random inputs), each backend in a fresh
// child process; wasm both on one thread and data-parallel over --workers threads (default: one per core).
// Run: npx tsx bench/webgpu-throughput.ts [--model resnet20] [--batch 128] [--quantizers fp,nt] [--steps 8]
//        [--workers N] [--timeout <seconds per backend>] [--json <file>]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../src-main/data/batches';
import { type BackendChoice, releaseBackend, selectBackend } from '../src-main/engine/backend';
import { trainParallel } from '../src-main/engine/parallel/train-parallel';
import { Rng } from '../shared/rng';
import { TrainingSession } from '../src-main/engine/session';
import { parseTrainConfig, type ModelName, type QuantizerKind } from '../shared/config';

interface Row {
  backend: string;
  device: string;
  quantizer: QuantizerKind;
  workers: number;
  trainImagesPerSec: number | null;
  error?: string;
}

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'resnet20' },
    batch: { type: 'string', default: '128' },
    quantizers: { type: 'string', default: 'fp' },
    steps: { type: 'string', default: '8' },
    workers: { type: 'string', default: String(os.cpus().length) },
    // A software adapter takes minutes per ResNet-20 step: a slow backend must not eat the run.
    timeout: { type: 'string', default: '300' },
    json: { type: 'string' },
    child: { type: 'string' },
  },
});
const model = values.model as ModelName;
const batchSize = Number(values.batch);
const steps = Number(values.steps);
const shape: [number, number, number] = model === 'cnn-small' || model === 'mlp' ? [28, 28, 1] : [32, 32, 3];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function randomImages(count: number): ImageSet {
  const images = Uint8Array.from(new Rng(1).fillUniform(new Float32Array(count * shape[0] * shape[1] * shape[2]), 0, 256), Math.floor);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels, shape, numClasses: 10, mean: Array(shape[2]).fill(0.5), std: Array(shape[2]).fill(0.25) };
}

/** One backend, one thread: the session's own training step, timed to its loss readback. */
async function measureOneThread(backend: BackendChoice, quantizer: QuantizerKind): Promise<Row> {
  const info = await selectBackend(backend);
  const config = parseTrainConfig({ model, quant: { quantizer, bits: 4 }, batchSize, epochs: 1 });
  const session = TrainingSession.create(config, { inputShape: shape, numClasses: 10 }, steps + 2);
  const x = tf.randomNormal([batchSize, ...shape], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % 10), 'int32');
  const times: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const started = performance.now();
    const out = session.trainStep({ x, y });
    await out.data();
    out.dispose();
    if (i >= 2) times.push(performance.now() - started);
  }
  tf.dispose([x, y]);
  session.model.store.dispose();
  await releaseBackend();
  return { backend: info.name, device: info.device, quantizer, workers: 1, trainImagesPerSec: (batchSize * 1000) / median(times) };
}

/** wasm data-parallel over `workers` threads (engine/parallel), as the app trains on CPUs. */
async function measureWasmParallel(quantizer: QuantizerKind, workers: number): Promise<Row> {
  const info = await selectBackend('wasm');
  const config = parseTrainConfig({ model, quant: { quantizer, bits: 4 }, batchSize, epochs: 1, backend: 'wasm' });
  const rates: number[] = [];
  const job = {
    config,
    train: { set: randomImages(batchSize * (steps + 2)), options: { batchSize, shuffle: false, seed: 0, dropLast: true } },
    test: { set: randomImages(workers), options: { batchSize: workers, shuffle: false, seed: 0, dropLast: false } },
    progressEvery: 1,
  };
  await trainParallel(job, { onProgress: (p) => rates.push(p.imagesPerSec) }, { workers });
  return { backend: 'wasm', device: info.device, quantizer, workers, trainImagesPerSec: median(rates.slice(2)) };
}

if (values.child) {
  const [backend, quantizer, workers] = values.child.split(':') as [BackendChoice, QuantizerKind, string];
  const row = Number(workers) > 1 ? await measureWasmParallel(quantizer, Number(workers)) : await measureOneThread(backend, quantizer);
  console.log(JSON.stringify(row));
} else {
  const workers = Number(values.workers);
  const quantizers = values.quantizers!.split(',') as QuantizerKind[];
  const jobs = quantizers.flatMap((q) => [`webgpu:${q}:1`, `wasm:${q}:1`, ...(workers > 1 ? [`wasm:${q}:${workers}`] : [])]);
  console.error(`${model} at batch ${batchSize}, median of ${steps} training steps after 2 warm-up steps`);
  const rows: Row[] = [];
  for (const job of jobs) {
    const [backend, quantizer, count] = job.split(':');
    const args = ['--import', 'tsx', path.resolve(import.meta.dirname, 'webgpu-throughput.ts'), '--child', job, '--model', model, '--batch', String(batchSize), '--steps', String(steps)];
    try {
      const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: Number(values.timeout) * 1000, killSignal: 'SIGKILL' });
      rows.push(JSON.parse(out.trim().split('\n').at(-1)!) as Row);
    } catch (error) {
      // One backend failing (no adapter, out of memory) still leaves the others' numbers.
      const { stderr, signal } = error as { stderr?: string; signal?: string };
      const lines = String(stderr ?? error).split('\n');
      const message = signal === 'SIGKILL' ? `over the ${values.timeout} s limit` : (lines.find((line) => /Error|not available/.test(line)) ?? lines[0]);
      rows.push({ backend, device: '-', quantizer: quantizer as QuantizerKind, workers: Number(count), trainImagesPerSec: null, error: message.trim() });
    }
    const row = rows.at(-1)!;
    console.error(`  ${job.padEnd(14)} ${row.trainImagesPerSec === null ? `failed: ${row.error}` : `${row.trainImagesPerSec.toFixed(1)} img/s on ${row.device}`}`);
  }
  printTable(rows);
  if (values.json) {
    fs.mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
    fs.writeFileSync(values.json, JSON.stringify({ model, batch: batchSize, steps, rows }, null, 1));
  }
}

function printTable(rows: Row[]): void {
  const header = ['backend', 'quantizer', 'workers', 'train img/s', 'vs wasm x1'];
  const cells = rows.map((r) => {
    const base = rows.find((b) => b.backend === 'wasm' && b.workers === 1 && b.quantizer === r.quantizer)?.trainImagesPerSec;
    const ratio = r.trainImagesPerSec !== null && base ? `${(r.trainImagesPerSec / base).toFixed(2)}x` : '-';
    return [r.backend, r.quantizer, String(r.workers), r.trainImagesPerSec?.toFixed(1) ?? 'failed', ratio];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n'));
}
