import type { RunEstimate, TrainRequest } from '../../shared/api';
import { parseTrainConfig, type TrainConfig } from '../../shared/config';
import type { TemperStore } from '../store/interface';

/**
 * Training images per second measured on a 2-core Xeon with the wasm backend, 2 data-parallel
 * threads, batch 128 (README, Benchmarks): the guess before this machine has trained the model.
 */
const BENCHMARK_IMAGES_PER_SEC: Record<string, number> = { mlp: 3000, 'cnn-small': 340, resnet20: 87, resnet32: 55, resnet56: 32, resnet18: 20 };

/** A guess from another machine, or another quantizer, is given as a range this many times either way. */
const UNKNOWN_SPREAD = 2;

/** Evaluation of the test split runs about this many times faster per image than a training step. */
const EVAL_SPEEDUP = 3;

/** How many recent completed runs of the model are looked at. */
const RECENT_RUNS = 20;

const shapeText = (shape: readonly number[]) => shape.join('×');

/** Mean throughput over every epoch of these runs; null when none recorded one. */
function meanRate(store: TemperStore, ids: number[]): number | null {
  const rates = store.epochCurves(ids).flatMap((c) => c.imagesPerSec.filter((x) => x > 0));
  return rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null;
}

interface Throughput {
  imagesPerSec: number;
  /** Low and high images/s where the figure is a guess rather than a measurement of this exact kind of run. */
  spread: [number, number] | null;
  basis: string;
}

/**
 * This machine's throughput for the model on images of this shape: measured on completed runs of the
 * same quantizer (a point estimate), else of other quantizers (a range), else the README benchmark (a range).
 */
function throughputFor(store: TemperStore, config: TrainConfig, shape: readonly number[]): Throughput {
  const { model } = config;
  const quantizer = config.quant.quantizer;
  const sameShape = store
    .listRuns({ filter: `model = ${model} and status = completed`, limit: RECENT_RUNS })
    .rows.filter((r) => shapeText(store.getDataset(r.dataset)?.shape ?? []) === shapeText(shape));
  const same = sameShape.filter((r) => r.quantizer === quantizer);
  const measured = meanRate(store, same.map((r) => r.id));
  const where = `${model} on ${shapeText(shape)} images on this machine`;
  if (measured !== null) {
    return { imagesPerSec: measured, spread: null, basis: `${same.length} completed ${quantizer} run${same.length === 1 ? '' : 's'} of ${where}` };
  }
  const others = sameShape.filter((r) => r.quantizer !== quantizer);
  const rates = others.map((r) => meanRate(store, [r.id])).filter((x): x is number => x !== null);
  if (rates.length) {
    // Quantizers cost up to ~1.4× an fp step (README, Benchmarks): the range covers either way.
    const low = Math.min(...rates) / 1.5;
    const high = Math.max(...rates) * 1.5;
    return { imagesPerSec: Math.sqrt(low * high), spread: [low, high], basis: `${rates.length} completed run${rates.length === 1 ? '' : 's'} of ${where} with other quantizers; none with ${quantizer} yet` };
  }
  const guess = BENCHMARK_IMAGES_PER_SEC[model];
  return {
    imagesPerSec: guess,
    spread: [guess / UNKNOWN_SPREAD, guess * UNKNOWN_SPREAD],
    basis: `no completed ${model} run on ${shapeText(shape)} images here yet: the README benchmark (wasm, 2 cores), within ${UNKNOWN_SPREAD}× either way`,
  };
}

/** Run time from this machine's measured throughput for this model and input size, a range where that is not known. */
export function estimateRun(store: TemperStore, request: TrainRequest): RunEstimate {
  const config = parseTrainConfig(request.config);
  const manifest = store.getDataset(request.dataset);
  if (!manifest) throw new Error(`no dataset named '${request.dataset}' (see the Datasets view)`);
  const trainCount = Math.min(config.limitTrain ?? Infinity, manifest.counts.train);
  const testCount = Math.min(config.limitTest ?? Infinity, manifest.counts.test ?? 0);
  const valCount = Math.min(config.limitVal ?? Infinity, manifest.counts.val ?? 0);
  const work = config.epochs * (trainCount + (testCount + valCount) / EVAL_SPEEDUP);
  const { imagesPerSec, spread, basis } = throughputFor(store, config, manifest.shape);
  return { seconds: work / imagesPerSec, imagesPerSec, basis, range: spread ? [work / spread[1], work / spread[0]] : null };
}
