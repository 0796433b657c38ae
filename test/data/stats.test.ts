import { describe, expect, it } from 'vitest';
import { channelStats, countPerClass } from '../../src-main/data/stats';
import { Rng } from '../../shared/rng';

describe('countPerClass', () => {
  it('counts every class, including empty ones', () => {
    expect(countPerClass([0, 1, 1, 3], 5)).toEqual([1, 2, 0, 1, 0]);
  });

  it('names a label outside the class range', () => {
    expect(() => countPerClass([0, 4], 3)).toThrow('label 4 at index 1 is outside 0..2');
  });
});

describe('channelStats', () => {
  it('gives the per-channel mean and std of a known two-pixel RGB image in [0, 1]', () => {
    const { mean, std } = channelStats(Uint8Array.from([0, 255, 51, 255, 255, 153]), 3);
    expect(mean[0]).toBeCloseTo(0.5, 12);
    expect(mean[1]).toBeCloseTo(1, 12);
    expect(mean[2]).toBeCloseTo(0.4, 12);
    expect(std[0]).toBeCloseTo(0.5, 12);
    expect(std[1]).toBeCloseTo(0, 12);
    expect(std[2]).toBeCloseTo(0.2, 12);
  });

  it('matches a two-pass computation on random pixels', () => {
    const rng = new Rng(5);
    const images = Uint8Array.from({ length: 3 * 10_000 }, (_, i) => Math.min(255, rng.nextInt(200) + (i % 3) * 30));
    const { mean, std } = channelStats(images, 3);
    for (let c = 0; c < 3; c++) {
      const values = Array.from(images.filter((_, i) => i % 3 === c), (v) => v / 255);
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      const s = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length);
      expect(mean[c]).toBeCloseTo(m, 10);
      expect(std[c]).toBeCloseTo(s, 10);
    }
  });

  it('refuses pixel data that is not whole pixels', () => {
    expect(() => channelStats(new Uint8Array(4), 3)).toThrow('4 bytes is not a whole number of 3-channel pixels');
  });
});
