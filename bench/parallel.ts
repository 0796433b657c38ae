// Training throughput on the wasm backend: one in-process TrainingSession against synchronous
// data parallelism over worker threads (engine/parallel), full precision and nt 4-bit.
// Run: npx tsx bench/parallel.ts [--workers 2] [--model resnet20] [--steps 6] [--batch 128] [--warmup 2]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { MODEL_NAMES, type ModelName, parseTrainConfig, type QuantizerKind, type TrainConfig } from '../shared/config';
import { type BatchOptions, createBatchSource, type ImageSet } from '../src-main/data/batches';
import { selectBackend } from '../src-main/engine/backend';
import { trainParallel } from '../src-main/engine/parallel/train-parallel';
import { Rng } from '../src-main/engine/rng';
import { TrainingSession } from '../src-main/engine/session';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    model: { type: 'string', default: 'resnet20' },
    steps: { type: 'string', default: '6' },
    batch: { type: 'string', default: '128' },
    warmup: { type: 'string', default: '2' },
  },
});
const workers = Number(args.workers);
const model = args.model as ModelName;
const steps = Number(args.steps);
const batchSize = Number(args.batch);
const warmup = Number(args.warmup);
if (!MODEL_NAMES.includes(model)) throw new Error(`--model must be one of ${MODEL_NAMES.join(', ')}, got '${model}'`);
for (const [flag, n] of Object.entries({ workers, steps, batch: batchSize, warmup })) {
  if (!Number.isInteger(n) || n < (flag === 'warmup' ? 0 : 1)) throw new Error(`--${flag} must be a positive integer, got '${args[flag as keyof typeof args]}'`);
}

/** Random CIFAR-shaped images: throughput does not depend on the pixels. */
function randomImages(count: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const shape: [number, number, number] = [32, 32, 3];
  const images = Uint8Array.from({ length: count * 32 * 32 * 3 }, () => rng.nextInt(256));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels, shape, numClasses: 10, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const trainSet = randomImages(batchSize * (warmup + steps), 1);
const testSet = randomImages(64, 2);
const trainOptions: BatchOptions = { batchSize, shuffle: true, seed: 1, dropLast: true };
const testOptions: BatchOptions = { batchSize: 64, shuffle: false, seed: 0, dropLast: false };

function configFor(quantizer: QuantizerKind): TrainConfig {
  return parseTrainConfig({ model, quant: { quantizer, bits: 4 }, epochs: 1, batchSize, seed: 1, backend: 'wasm' });
}

/** Images/s of each step after the warm-up, one TrainingSession on this thread. */
async function inProcess(config: TrainConfig): Promise<number[]> {
  const source = createBatchSource(trainSet, trainOptions);
  const session = TrainingSession.create(config, { inputShape: trainSet.shape, numClasses: 10 }, source.stepsPerEpoch());
  const rates: number[] = [];
  let last = performance.now();
  for await (const batch of source.batches(0)) {
    const out = session.trainStep(batch);
    await out.data();
    out.dispose();
    batch.x.dispose();
    batch.y.dispose();
    const now = performance.now();
    rates.push((batchSize * 1000) / (now - last));
    last = now;
  }
  session.dispose();
  return rates.slice(warmup);
}

/** Images/s of each step after the warm-up, as replica 0 reports them. */
async function parallel(config: TrainConfig): Promise<number[]> {
  const rates: number[] = [];
  const job = { config, train: { set: trainSet, options: trainOptions }, test: { set: testSet, options: testOptions }, progressEvery: 1 };
  await trainParallel(job, { onProgress: (p) => rates.push(p.imagesPerSec) }, { workers });
  return rates.slice(warmup);
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const info = await selectBackend('wasm');
console.log(`${model}, batch ${batchSize}, median of ${steps} steps after ${warmup} warm-up; ${os.cpus().length} cores; ${info.device}`);
console.log(`load average at start: ${load()}`);
const rows: string[][] = [['quantizer', 'run', 'images/s', 'ms/step', 'speed-up']];
for (const quantizer of ['fp', 'nt'] as const) {
  const config = configFor(quantizer);
  const single = median(await inProcess(config));
  const multi = median(await parallel(config));
  const label = quantizer === 'fp' ? 'fp' : 'nt 4-bit';
  rows.push([label, 'in-process', single.toFixed(1), ((batchSize * 1000) / single).toFixed(0), '1.00']);
  rows.push([label, `${workers} workers`, multi.toFixed(1), ((batchSize * 1000) / multi).toFixed(0), (multi / single).toFixed(2)]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const row of rows) console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
console.log(`load average at end: ${load()}`);
