// Seconds for the sharpness measures of method.md §5 on the wasm backend (one thread): a Hutchinson
// trace of a fixed number of samples (no early stop) and a 21-point loss landscape, for cnn-small and
// resnet20 on 1,024 random 32x32x3 images. Weights are a 4-bit LSQ model after one training step (its
// activation quantizers need a batch to set their step sizes); timing does not depend on the values.
// With fewer samples than the target (--quick, or --samples), the trace time for the target is
// extrapolated linearly from the measured seconds per sample: every sample is one Hessian-vector
// product of the same cost.
// Run: npx tsx bench/sharpness.ts [--quick] [--samples 100] [--only cnn-small|resnet20] [--json <file>]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../src-main/data/batches';
import { selectBackend } from '../src-main/engine/backend';
import { Rng } from '../shared/rng';
import { TrainingSession } from '../src-main/engine/session';
import { computeSharpness, selectSubset } from '../src-main/engine/sharpness';
import { parseTrainConfig, type ModelName } from '../shared/config';

const TARGET_SAMPLES = 100;
const IMAGES = 1024;
const SHAPE: [number, number, number] = [32, 32, 3];
const MODELS: ModelName[] = ['cnn-small', 'resnet20'];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    samples: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'string' },
  },
});
const samples = Number(values.samples ?? (values.quick ? 5 : TARGET_SAMPLES));
if (!Number.isInteger(samples) || samples < 1) throw new Error(`bench/sharpness: --samples must be a positive integer, got ${values.samples}`);

interface Row {
  model: ModelName;
  parameters: number;
  traceSamples: number;
  traceSeconds: number;
  secondsPerSample: number;
  /** Seconds for TARGET_SAMPLES samples: measured when traceSamples is the target, else extrapolated. */
  traceSecondsAt100: number;
  extrapolated: boolean;
  landscapePoints: number;
  landscapeSeconds: number;
}

function randomImages(count: number): ImageSet {
  const images = Uint8Array.from(new Rng(1).fillUniform(new Float32Array(count * SHAPE[0] * SHAPE[1] * SHAPE[2]), 0, 256), Math.floor);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels, shape: SHAPE, numClasses: 10, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
}

async function measure(model: ModelName, subset: ImageSet): Promise<Row> {
  const config = parseTrainConfig({ model, quant: { quantizer: 'lsq', bits: 4 }, batchSize: 32, epochs: 1 });
  const session = TrainingSession.create(config, { inputShape: SHAPE, numClasses: 10 }, 1);
  try {
    const x = tf.randomNormal([32, ...SHAPE], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 10), 'int32');
    tf.dispose([session.trainStep({ x, y }), x, y]);
    const parameters = session.model.store.trainable.filter((p) => p.role !== 'step').reduce((n, p) => n + p.variable.size, 0);

    let last = performance.now();
    const trace = await computeSharpness(session.model, subset, {
      measures: ['trace'],
      images: IMAGES,
      trace: { maxIterations: samples, minIterations: samples, relativeStderr: 0 },
    }, {
      onProgress: (done, total) => {
        const now = performance.now();
        console.error(`  ${model} trace sample ${done}/${total}: ${((now - last) / 1000).toFixed(1)} s`);
        last = now;
      },
    });
    const landscape = await computeSharpness(session.model, subset, { measures: ['landscape'], images: IMAGES, landscape: { points: 21 } });
    const secondsPerSample = trace.seconds / samples;
    return {
      model,
      parameters,
      traceSamples: samples,
      traceSeconds: trace.seconds,
      secondsPerSample,
      traceSecondsAt100: secondsPerSample * TARGET_SAMPLES,
      extrapolated: samples !== TARGET_SAMPLES,
      landscapePoints: 21,
      landscapeSeconds: landscape.seconds,
    };
  } finally {
    session.dispose();
  }
}

const backend = await selectBackend('wasm');
console.error(`backend: ${backend.name} (${backend.device}), ${IMAGES} images ${SHAPE.join('x')}, ${samples} Hutchinson samples`);
const subset = selectSubset(randomImages(IMAGES), IMAGES, 0);
const rows: Row[] = [];
for (const model of MODELS.filter((m) => !values.only || m === values.only)) {
  rows.push(await measure(model, subset));
  const r = rows.at(-1)!;
  const note = r.extrapolated ? ` (extrapolated from ${r.traceSamples})` : '';
  console.error(`${model}: trace ${r.traceSecondsAt100.toFixed(0)} s for ${TARGET_SAMPLES} samples${note}, landscape ${r.landscapeSeconds.toFixed(1)} s`);
}

const header = ['model', 'params', 'samples run', 's/sample', `trace s (${TARGET_SAMPLES})`, 'landscape s (21)'];
const table = rows.map((r) => [r.model, String(r.parameters), String(r.traceSamples), r.secondsPerSample.toFixed(2), `${r.traceSecondsAt100.toFixed(0)}${r.extrapolated ? ' (extrapolated)' : ''}`, r.landscapeSeconds.toFixed(1)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n'));
if (values.json) {
  fs.mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
  const { skipped: _skipped, ...backendInfo } = backend;
  fs.writeFileSync(values.json, JSON.stringify({ backend: backendInfo, images: IMAGES, rows }, null, 1));
}
