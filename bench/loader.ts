// Throughput of the batch loader on CIFAR-shaped data (50,000 random 32x32x3 images, batch 128)
// on the cpu backend, with and without augmentation and prefetch. The consumer only disposes,
// so this is the loader's ceiling. Run: npx tsx bench/loader.ts [--json <file>]
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { type BatchOptions, type ImageSet, createBatchSource } from '../src-main/data/batches';

const COUNT = 50_000;
const BATCH = 128;
const EPOCHS = Number(process.env.EPOCHS ?? 3);

const jsonAt = process.argv.indexOf('--json');
const jsonFile = jsonAt >= 0 ? process.argv[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !jsonFile) throw new Error('bench/loader: --json needs a file name');

await tf.setBackend('cpu');
const set: ImageSet = {
  images: randomFillSync(new Uint8Array(COUNT * 32 * 32 * 3)),
  labels: Uint8Array.from({ length: COUNT }, (_, i) => i % 10),
  shape: [32, 32, 3],
  numClasses: 10,
  mean: [0.49, 0.48, 0.45],
  std: [0.25, 0.24, 0.26],
};

interface Row { loader: string; batchesPerSec: number; imagesPerSec: number; msPerBatch: number }
const rows: Row[] = [];

async function measure(loader: string, overrides: Partial<BatchOptions>): Promise<void> {
  const source = createBatchSource(set, { batchSize: BATCH, shuffle: true, seed: 1, dropLast: true, ...overrides });
  const baseline = tf.memory().numTensors;
  const epoch = async (e: number) => {
    for await (const { x, y } of source.batches(e)) tf.dispose([x, y]);
  };
  await epoch(-1); // warm-up: JIT and allocator
  const started = performance.now();
  for (let e = 0; e < EPOCHS; e++) await epoch(e);
  const seconds = (performance.now() - started) / 1000;
  if (tf.memory().numTensors !== baseline) throw new Error(`bench/loader: ${loader} left ${tf.memory().numTensors - baseline} tensors behind`);
  const batches = EPOCHS * source.stepsPerEpoch();
  rows.push({ loader, batchesPerSec: batches / seconds, imagesPerSec: (batches * BATCH) / seconds, msPerBatch: (seconds * 1000) / batches });
}

await measure('plain', { prefetch: false });
await measure('plain + prefetch', {});
await measure('crop 4 + flip', { augment: { crop: 4, flip: true }, prefetch: false });
await measure('crop 4 + flip + prefetch', { augment: { crop: 4, flip: true } });

console.log(`loader, ${COUNT} images 32x32x3, batch ${BATCH}, ${EPOCHS} epochs, cpu backend, node ${process.version}`);
console.log(`${'loader'.padEnd(26)} ${'batches/s'.padStart(10)} ${'images/s'.padStart(10)} ${'ms/batch'.padStart(9)}`);
for (const r of rows) {
  console.log(`${r.loader.padEnd(26)} ${r.batchesPerSec.toFixed(0).padStart(10)} ${r.imagesPerSec.toFixed(0).padStart(10)} ${r.msPerBatch.toFixed(2).padStart(9)}`);
}
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify({ count: COUNT, batch: BATCH, epochs: EPOCHS, backend: 'cpu', rows }, null, 1));
