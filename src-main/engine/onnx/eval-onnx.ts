import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { ImageSet } from '../../data/batches';
import { type EvalMetrics, metricsFromSums } from '../evaluate';

/** An ONNX classifier loaded in ONNX Runtime, checked to take uint8 NHWC pixels and give logits. */
export interface OnnxClassifier {
  /** [H, W, C] of one image. */
  imageShape: [number, number, number];
  numClasses: number;
  /** Logits [count, numClasses], row-major, for `count` images of raw pixels. */
  logits(pixels: Uint8Array, count: number): Promise<Float32Array>;
  release(): Promise<void>;
}

function tensorMetadata(meta: ort.InferenceSession.ValueMetadata | undefined, file: string, what: string) {
  if (!meta || !meta.isTensor) throw new Error(`${file}: the model has no tensor ${what}`);
  return meta;
}

/** A fixed positive dimension, or null for a symbolic one (the batch). */
const fixed = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : null);

/**
 * Loads an ONNX model with every ONNX Runtime graph optimization on (CPU), and checks that it is a
 * Temper-style classifier: one input `uint8 [batch, H, W, C]`, one output `float [batch, classes]`.
 */
export async function loadOnnxClassifier(file: string): Promise<OnnxClassifier> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new Error(`${file}: no such ONNX file`);
  const bytes = fs.readFileSync(file);
  if (bytes.length === 0) throw new Error(`${file}: the file is empty, not an ONNX model`);
  // Otherwise ONNX Runtime's telemetry writes a device id under ~/.cache on the first session: nothing goes outside the data folder.
  process.env.ORT_DISABLE_TELEMETRY = '1';
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(new Uint8Array(bytes), { graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
  } catch (error) {
    throw new Error(`${file}: ONNX Runtime cannot load it; the file is corrupt or not an ONNX model (${(error as Error).message.split('\n')[0]})`);
  }
  try {
    if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
      throw new Error(`${file}: expected one input and one output, the model has ${session.inputNames.length} inputs and ${session.outputNames.length} outputs`);
    }
    const input = tensorMetadata(session.inputMetadata[0], file, 'input');
    const output = tensorMetadata(session.outputMetadata[0], file, 'output');
    const [h, w, c] = input.shape.slice(1).map(fixed);
    if (input.type !== 'uint8' || input.shape.length !== 4 || !h || !w || !c) {
      throw new Error(`${file}: input '${input.name}' is ${input.type} [${input.shape.join(', ')}], expected uint8 [batch, height, width, channels] (raw NHWC pixels, as Temper exports)`);
    }
    const numClasses = fixed(output.shape[1]);
    if (output.type !== 'float32' || output.shape.length !== 2 || !numClasses) {
      throw new Error(`${file}: output '${output.name}' is ${output.type} [${output.shape.join(', ')}], expected float32 [batch, classes] (logits)`);
    }
    return {
      imageShape: [h, w, c],
      numClasses,
      async logits(pixels, count) {
        const feeds = { [input.name]: new ort.Tensor('uint8', pixels, [count, h, w, c]) };
        const result = (await session.run(feeds))[output.name];
        return result.data as Float32Array;
      },
      release: () => session.release(),
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}

/** Summed cross-entropy, top-1 and top-5 hits of one batch of logits, as evaluate() counts them. */
function batchSums(logits: Float32Array, labels: ArrayLike<number>, classes: number) {
  let loss = 0;
  let top1 = 0;
  let top5 = 0;
  const k = Math.min(5, classes);
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    const label = labels[i];
    loss += logSum - row[label];
    // Rank of the true class: how many classes score above it (ties go to the lower index, as topk does).
    const rank = row.reduce((n, v, j) => n + (v > row[label] || (v === row[label] && j < label) ? 1 : 0), 0);
    if (rank === 0) top1++;
    if (rank < k) top5++;
  }
  return { loss, top1, top5 };
}

/** Runs an ONNX model through ONNX Runtime on `testSet`'s raw pixels: mean cross-entropy, top-1, top-5. */
export async function evaluateOnnx(file: string, testSet: ImageSet, options: { batchSize?: number } = {}): Promise<EvalMetrics> {
  const model = await loadOnnxClassifier(file);
  try {
    if (model.imageShape.join() !== testSet.shape.join()) {
      throw new Error(`${file}: the model takes ${model.imageShape.join('x')} images, the test images are ${testSet.shape.join('x')}`);
    }
    if (model.numClasses !== testSet.numClasses) throw new Error(`${file}: the model has ${model.numClasses} classes, the test set ${testSet.numClasses}`);
    const pixels = testSet.shape.reduce((n, d) => n * d, 1);
    const count = testSet.labels.length;
    const batchSize = options.batchSize ?? 100;
    const totals = { loss: 0, top1: 0, top5: 0, count: 0 };
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const logits = await model.logits(testSet.images.subarray(start * pixels, (start + n) * pixels), n);
      const sums = batchSums(logits, testSet.labels.subarray(start, start + n), model.numClasses);
      totals.loss += sums.loss;
      totals.top1 += sums.top1;
      totals.top5 += sums.top5;
      totals.count += n;
    }
    return metricsFromSums(totals);
  } finally {
    await model.release();
  }
}
