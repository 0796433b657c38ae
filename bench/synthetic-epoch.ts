import type { EpochMetrics } from '../src-main/engine/train';

/** Epoch metrics that look like a CIFAR run's (cosine lr, decaying λ), for filling a store in benchmarks. */
export function syntheticEpoch(e: number, top1: number, epochCount: number): EpochMetrics {
  return {
    epoch: e,
    step: e * 390,
    trainLoss: 2 / (1 + e),
    trainTop1: top1,
    test: { loss: 2.2 / (1 + e), top1, top5: Math.min(1, top1 + 0.08), count: 10_000 },
    val: { loss: 2.1 / (1 + e), top1, top5: Math.min(1, top1 + 0.08), count: 5_000 },
    lr: 0.1 * Math.cos((Math.PI * e) / (2 * epochCount)),
    lambda: Math.exp(-e / 20),
    seconds: 12.5,
    imagesPerSec: 4000,
    stepsAtFloor: [],
    layers: [],
  };
}
