import type { RunEstimate, TrainRequest } from '../../shared/api';
import { parseTrainConfig } from '../../shared/config';
import type { RunService } from './runs';

/**
 * Training images per second measured on a 2-core Xeon with the wasm backend, 2 data-parallel
 * threads, batch 128 (README, Benchmarks): the estimate before this machine has run anything.
 */
const BENCHMARK_IMAGES_PER_SEC: Record<string, number> = { mlp: 3000, 'cnn-small': 340, resnet20: 87, resnet32: 55, resnet56: 32, resnet18: 20 };

/** Evaluation of the test split runs about this many times faster per image than a training step. */
const EVAL_SPEEDUP = 3;

/** Run time from the throughput of this machine's recent completed runs of the same model and quantizer. */
export function estimateRun(runs: RunService, request: TrainRequest): RunEstimate {
  const config = parseTrainConfig(request.config);
  const manifest = runs.store.getDataset(request.dataset);
  if (!manifest) throw new Error(`no dataset named '${request.dataset}' (see the Datasets view)`);
  const trainCount = Math.min(config.limitTrain ?? Infinity, manifest.counts.train);
  const testCount = Math.min(config.limitTest ?? Infinity, manifest.counts.test ?? 0);
  const recent = runs.store.listRuns({ filter: `model = ${config.model} and quantizer = ${config.quant.quantizer} and status = completed`, limit: 5 }).rows;
  const rates = runs.store.epochCurves(recent.map((r) => r.id)).flatMap((c) => c.imagesPerSec.filter((x) => x > 0));
  const measured = rates.length > 0;
  const imagesPerSec = measured ? rates.reduce((a, b) => a + b, 0) / rates.length : BENCHMARK_IMAGES_PER_SEC[config.model];
  const basis = measured
    ? `${recent.length} completed ${config.model} ${config.quant.quantizer} run${recent.length === 1 ? '' : 's'} on this machine`
    : `the README benchmark for ${config.model} (wasm, 2 cores); no completed ${config.model} ${config.quant.quantizer} run here yet`;
  const seconds = config.epochs * (trainCount + testCount / EVAL_SPEEDUP) / imagesPerSec;
  return { seconds, imagesPerSec, basis };
}
