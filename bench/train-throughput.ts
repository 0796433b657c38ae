// Training and inference throughput of the engine: cnn-small (28x28x1), resnet20 and resnet56 (32x32x3) at
// batch 128 with fp, lsq and nt (4 bits), on the backend `auto` picks (or --backend): one model on
// this thread, and on the wasm backend also data-parallel over --workers threads (default: one per core).
// Each configuration runs in a fresh child process so its peak RSS is its own.
// Where a python3 imports torch (Debian: apt install python3-torch), the same run times PyTorch's
// ResNet-20 (bench/torch_reference.py: fp, and LSQ W4A4 for the lsq and nt rows) on as many threads
// as cores and prints the ratio. TEMPER_TORCH_PYTHON names the interpreter to use.
// Run: npm run bench [-- --json <file>] [--backend wasm] [--steps 8] [--workers 2] [--only resnet20:nt]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendChoice, selectBackend } from '../src-main/engine/backend';
import type { ImageSet } from '../src-main/data/batches';
import { EVAL_CONTEXT } from '../src-main/engine/evaluate';
import { trainParallel } from '../src-main/engine/parallel/train-parallel';
import { Rng } from '../shared/rng';
import { TrainingSession } from '../src-main/engine/session';
import { parseTrainConfig, type ModelName, type QuantizerKind } from '../shared/config';

const BATCH = 128;
const BITS = 4;
const CONFIGS: { model: ModelName; shape: [number, number, number] }[] = [
  { model: 'cnn-small', shape: [28, 28, 1] },
  { model: 'resnet20', shape: [32, 32, 3] },
  { model: 'resnet56', shape: [32, 32, 3] },
];
const QUANTIZERS: QuantizerKind[] = ['fp', 'lsq', 'nt'];

interface Result {
  model: ModelName;
  quantizer: QuantizerKind;
  bits: number;
  batch: number;
  workers: number;
  trainImagesPerSec: number;
  /** Measured on this thread; null for data-parallel rows, whose inference is the same model's. */
  inferImagesPerSec: number | null;
  peakRssMB: number;
  /** PyTorch's training images/s for the same model (fp, or LSQ for the quantized rows); null without torch. */
  torchImagesPerSec?: number | null;
  ratioToTorch?: number | null;
}

/** The first python3 that imports torch, or null. */
function torchPython(): string | null {
  for (const python of [process.env.TEMPER_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
      return python;
    } catch {
      // Not this one.
    }
  }
  return null;
}

/** PyTorch's ResNet-20 training images/s, fp and LSQ W4A4, on every core. */
function torchReference(steps: number): { fp: number; lsq: number; torch: string; threads: number } | null {
  const python = torchPython();
  if (python === null) return null;
  const script = path.resolve(import.meta.dirname, 'torch_reference.py');
  const out = execFileSync(python, [script, '--threads', String(os.cpus().length), '--steps', String(Math.max(steps, 8))], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    steps: { type: 'string', default: '8' },
    only: { type: 'string' },
    workers: { type: 'string' },
    child: { type: 'boolean', default: false },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeMs(run: () => Promise<void>, repeats: number): Promise<number> {
  await run(); // warm-up: kernel setup, allocator, lazy quantizer init
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Random images of a model's input shape: throughput does not depend on the pixels. */
function randomImages(count: number, shape: [number, number, number]): ImageSet {
  const images = Uint8Array.from(new Rng(1).fillUniform(new Float32Array(count * shape[0] * shape[1] * shape[2]), 0, 256), Math.floor);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels, shape, numClasses: 10, mean: Array(shape[2]).fill(0.5), std: Array(shape[2]).fill(0.25) };
}

/** Training images/s with the batch split over `workers` replicas (engine/parallel), median after 2 warm-up steps. */
async function measureParallel(model: ModelName, quantizer: QuantizerKind, steps: number, workers: number): Promise<Result> {
  const { shape } = CONFIGS.find((c) => c.model === model)!;
  const config = parseTrainConfig({ model, quant: { quantizer, bits: BITS }, batchSize: BATCH, epochs: 1, backend: 'wasm' });
  const rates: number[] = [];
  const job = {
    config,
    train: { set: randomImages(BATCH * (steps + 2), shape), options: { batchSize: BATCH, shuffle: false, seed: 0, dropLast: true } },
    test: { set: randomImages(workers, shape), options: { batchSize: workers, shuffle: false, seed: 0, dropLast: false } },
    progressEvery: 1,
  };
  await trainParallel(job, { onProgress: (p) => rates.push(p.imagesPerSec) }, { workers });
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  return { model, quantizer, bits: BITS, batch: BATCH, workers, trainImagesPerSec: median(rates.slice(2)), inferImagesPerSec: null, peakRssMB };
}

/** One configuration, in this process. */
async function measure(model: ModelName, quantizer: QuantizerKind, steps: number): Promise<Result> {
  const { shape } = CONFIGS.find((c) => c.model === model)!;
  const config = parseTrainConfig({ model, quant: { quantizer, bits: BITS }, batchSize: BATCH, epochs: 1 });
  const session = TrainingSession.create(config, { inputShape: shape, numClasses: 10 }, steps + 2);
  const x = tf.randomNormal([BATCH, ...shape], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), 'int32');
  const trainMs = await timeMs(async () => {
    const out = session.trainStep({ x, y });
    await out.data();
    out.dispose();
  }, steps);
  const inferMs = await timeMs(async () => {
    const logits = session.model.apply(x, EVAL_CONTEXT);
    await logits.data();
    logits.dispose();
  }, steps);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  return { model, quantizer, bits: BITS, batch: BATCH, workers: 1, trainImagesPerSec: (BATCH * 1000) / trainMs, inferImagesPerSec: (BATCH * 1000) / inferMs, peakRssMB };
}

const backend = await selectBackend(values.backend as BackendChoice);
const steps = Number(values.steps);
// Data parallelism is how the single-threaded wasm backend uses more than one core.
const workers = Number(values.workers ?? (backend.name === 'wasm' ? os.cpus().length : 1));

if (values.child) {
  const [model, quantizer, replicas] = values.only!.split(':') as [ModelName, QuantizerKind, string];
  const result = Number(replicas) > 1 ? await measureParallel(model, quantizer, steps, Number(replicas)) : await measure(model, quantizer, steps);
  console.log(JSON.stringify(result));
} else {
  const counts = workers > 1 ? [1, workers] : [1];
  const jobs = CONFIGS.flatMap(({ model }) => QUANTIZERS.flatMap((quantizer) => counts.map((n) => `${model}:${quantizer}:${n}`)));
  const selected = jobs.filter((j) => !values.only || j.startsWith(`${values.only}:`));
  const results: Result[] = [];
  console.error(`backend: ${backend.name} (${backend.device}), batch ${BATCH}, ${BITS}-bit quantizers, median of ${steps} steps`);
  for (const job of selected) {
    const args = [path.resolve(import.meta.dirname, 'train-throughput.ts'), '--child', '--only', job, '--backend', values.backend!, '--steps', String(steps)];
    const out = execFileSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    results.push(JSON.parse(out.trim().split('\n').at(-1)!) as Result);
    const r = results.at(-1)!;
    const infer = r.inferImagesPerSec === null ? '' : `, infer ${r.inferImagesPerSec.toFixed(1)} img/s`;
    console.error(`  ${job.padEnd(16)} train ${r.trainImagesPerSec.toFixed(1)} img/s${infer}, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
  }
  const torch = selected.some((job) => job.startsWith('resnet20:')) ? torchReference(steps) : null;
  for (const r of results) {
    if (r.model !== 'resnet20') continue;
    r.torchImagesPerSec = torch === null ? null : r.quantizer === 'fp' ? torch.fp : torch.lsq;
    r.ratioToTorch = r.torchImagesPerSec == null ? null : r.trainImagesPerSec / r.torchImagesPerSec;
  }
  if (torch !== null) console.error(`PyTorch ${torch.torch} on ${torch.threads} threads: resnet20 fp ${torch.fp.toFixed(1)} img/s, LSQ W4A4 ${torch.lsq.toFixed(1)} img/s`);
  printTable(results);
  if (values.json) {
    fs.mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
    const { skipped: _skipped, ...backendInfo } = backend;
    fs.writeFileSync(values.json, JSON.stringify({ backend: backendInfo, results }, null, 1));
  }
}

function printTable(results: Result[]): void {
  const header = ['model', 'quantizer', 'bits', 'batch', 'workers', 'train img/s', 'infer img/s', 'peak RSS MB', 'step vs fp', 'PyTorch img/s', 'ratio'];
  const rows = results.map((r) => {
    const fp = results.find((f) => f.model === r.model && f.quantizer === 'fp' && f.workers === r.workers);
    const ratio = fp ? (fp.trainImagesPerSec / r.trainImagesPerSec).toFixed(2) : '';
    const torch = [r.torchImagesPerSec?.toFixed(1) ?? '-', r.ratioToTorch?.toFixed(2) ?? '-'];
    return [r.model, r.quantizer, String(r.bits), String(r.batch), String(r.workers), r.trainImagesPerSec.toFixed(1), r.inferImagesPerSec?.toFixed(1) ?? '-', r.peakRssMB.toFixed(0), ratio, ...torch];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}
