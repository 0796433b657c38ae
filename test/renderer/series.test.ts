import { describe, expect, it } from 'vitest';
import type { EpochCurves } from '../../shared/records';
import { curvePoints, meanStd, meanStdBand } from '../../src-renderer/lib/series';

const curve = (testTop1: number[]): EpochCurves => {
  const epoch = testTop1.map((_, i) => i + 1);
  const zeros = epoch.map(() => 0);
  return { epoch, step: zeros, trainLoss: zeros, trainTop1: zeros, testLoss: zeros, testTop1, testTop5: zeros, lr: zeros, lambda: zeros, seconds: zeros, imagesPerSec: zeros };
};

describe('chart series', () => {
  it('turns a curve into {x: epoch, y} points, leaving out missing values', () => {
    expect(curvePoints(curve([0.5, NaN, 0.7]), 'testTop1')).toEqual([
      { x: 1, y: 0.5 },
      { x: 3, y: 0.7 },
    ]);
  });

  it('uses the sample standard deviation, 0 for a single run', () => {
    expect(meanStd([1, 3])).toEqual({ mean: 2, std: Math.SQRT2 });
    expect(meanStd([5])).toEqual({ mean: 5, std: 0 });
  });

  it('bands seeds per epoch, including epochs only some runs have reached', () => {
    const band = meanStdBand([curve([0.5, 0.6]), curve([0.7, 0.8, 0.9])], 'testTop1');
    expect(band.mean.map((p) => p.x)).toEqual([1, 2, 3]);
    expect(band.mean[0].y).toBeCloseTo(0.6);
    expect(band.upper[0].y - band.lower[0].y).toBeCloseTo(2 * Math.sqrt(0.02));
    expect(band.lower[2]).toEqual({ x: 3, y: 0.9 });
  });
});
