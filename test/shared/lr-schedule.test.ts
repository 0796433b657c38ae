import { describe, it, expect } from 'vitest';
import { learningRateAt, validateLrSchedule, type LrSchedule } from '../../shared/lr-schedule';

/** 10 epochs of 100 steps. */
const plan = { totalSteps: 1000, stepsPerEpoch: 100 };

describe('learningRateAt: warm-up', () => {
  const constant: LrSchedule = { kind: 'constant', base: 0.1, warmupEpochs: 1 };

  it('rises linearly from base/warmupSteps to base over the warm-up epochs', () => {
    expect(learningRateAt(0, constant, plan)).toBeCloseTo(0.001, 12);
    expect(learningRateAt(49, constant, plan)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(99, constant, plan)).toBeCloseTo(0.1, 12);
  });

  it('holds base after warm-up for the constant schedule', () => {
    for (const step of [100, 500, 999, 1000]) expect(learningRateAt(step, constant, plan)).toBe(0.1);
  });

  it('starts at base when there is no warm-up', () => {
    expect(learningRateAt(0, { ...constant, warmupEpochs: 0 }, plan)).toBe(0.1);
  });

  it('never overshoots base when a fractional warm-up is not a whole number of steps', () => {
    const shortPlan = { totalSteps: 30, stepsPerEpoch: 3 };
    const schedule: LrSchedule = { kind: 'constant', base: 1, warmupEpochs: 0.5 };
    const rates = Array.from({ length: 31 }, (_, step) => learningRateAt(step, schedule, shortPlan));
    expect(Math.max(...rates)).toBe(1);
    expect(rates[0]).toBeCloseTo(0.5, 12);
  });
});

describe('learningRateAt: cosine', () => {
  const cosine: LrSchedule = { kind: 'cosine', base: 0.1, warmupEpochs: 1 };

  it('decays from base after warm-up to 0 at the last step, half-way at the midpoint', () => {
    expect(learningRateAt(100, cosine, plan)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(550, cosine, plan)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(325, cosine, plan)).toBeCloseTo((0.1 * (1 + Math.cos(Math.PI / 4))) / 2, 12);
    expect(learningRateAt(1000, cosine, plan)).toBeCloseTo(0, 12);
  });

  it('decays to minLr when a floor is set', () => {
    const floored = { ...cosine, minLr: 0.01 };
    expect(learningRateAt(550, floored, plan)).toBeCloseTo(0.055, 12);
    expect(learningRateAt(1000, floored, plan)).toBeCloseTo(0.01, 12);
  });

  it('never increases after warm-up', () => {
    for (let step = 101; step <= 1000; step++) {
      expect(learningRateAt(step, cosine, plan)).toBeLessThanOrEqual(learningRateAt(step - 1, cosine, plan));
    }
  });

  it('ends at minLr without NaN when warm-up fills the whole run', () => {
    const allWarmup: LrSchedule = { ...cosine, warmupEpochs: 10, minLr: 0.02 };
    expect(learningRateAt(999, allWarmup, plan)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(1000, allWarmup, plan)).toBeCloseTo(0.02, 12);
  });
});

describe('learningRateAt: step decay', () => {
  const stepped: LrSchedule = { kind: 'step', base: 0.1, warmupEpochs: 0, milestones: [3, 6], gamma: 0.5 };

  it('multiplies by gamma from the first step of each milestone epoch', () => {
    expect(learningRateAt(0, stepped, plan)).toBe(0.1);
    expect(learningRateAt(299, stepped, plan)).toBe(0.1);
    expect(learningRateAt(300, stepped, plan)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(599, stepped, plan)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(600, stepped, plan)).toBeCloseTo(0.025, 12);
    expect(learningRateAt(1000, stepped, plan)).toBeCloseTo(0.025, 12);
  });

  it('uses gamma = 0.1 by default', () => {
    expect(learningRateAt(600, { ...stepped, gamma: undefined }, plan)).toBeCloseTo(0.001, 12);
  });

  it('combines with warm-up', () => {
    expect(learningRateAt(49, { ...stepped, warmupEpochs: 1 }, plan)).toBeCloseTo(0.05, 12);
  });
});

describe('validateLrSchedule', () => {
  const ok: LrSchedule = { kind: 'step', base: 0.1, warmupEpochs: 1, milestones: [3, 6] };

  it('accepts a sound schedule', () => {
    expect(() => validateLrSchedule(ok, plan)).not.toThrow();
  });

  it.each<[string, LrSchedule, RegExp]>([
    ['negative base', { ...ok, base: -0.1 }, /base must be a finite learning rate ≥ 0, got -0.1/],
    ['NaN base', { ...ok, base: Number.NaN }, /base .* got NaN/],
    ['negative warm-up', { ...ok, warmupEpochs: -1 }, /warmupEpochs must be ≥ 0, got -1/],
    ['warm-up longer than training', { ...ok, warmupEpochs: 11 }, /warmupEpochs \(11\) is longer than training \(10 epochs\)/],
    ['milestones not increasing', { ...ok, milestones: [6, 3] }, /milestones must be strictly increasing, but milestones\[1\] \(3\) ≤ milestones\[0\] \(6\)/],
    ['repeated milestone', { ...ok, milestones: [3, 3] }, /milestones\[1\] \(3\) ≤ milestones\[0\] \(3\)/],
    ['milestone past the end', { ...ok, milestones: [3, 12] }, /milestones\[1\] \(12\) is past the end of training \(10 epochs\)/],
    ['non-positive milestone', { ...ok, milestones: [0] }, /milestones\[0\] must be an epoch > 0, got 0/],
    ['missing milestones', { kind: 'step', base: 0.1, warmupEpochs: 0 }, /milestones \(epochs\) are required for kind 'step'/],
    ['gamma of 0', { ...ok, gamma: 0 }, /gamma must be in \(0, 1\], got 0/],
    ['gamma above 1', { ...ok, gamma: 2 }, /gamma must be in \(0, 1\], got 2/],
    ['minLr above base', { kind: 'cosine', base: 0.1, warmupEpochs: 0, minLr: 0.2 }, /minLr must be in \[0, base = 0.1\], got 0.2/],
    ['negative minLr', { kind: 'cosine', base: 0.1, warmupEpochs: 0, minLr: -1 }, /minLr .* got -1/],
    ['unknown kind', { ...ok, kind: 'linear' as LrSchedule['kind'] }, /kind must be 'constant', 'cosine' or 'step', got 'linear'/],
  ])('rejects a %s with a message naming the field', (_case, schedule, message) => {
    expect(() => validateLrSchedule(schedule, plan)).toThrow(message);
    expect(() => learningRateAt(0, schedule, plan)).toThrow(message);
  });

  it('rejects a bad plan or step', () => {
    expect(() => validateLrSchedule(ok, { totalSteps: 0, stepsPerEpoch: 100 })).toThrow(/totalSteps must be an integer ≥ 1, got 0/);
    expect(() => validateLrSchedule(ok, { totalSteps: 1000, stepsPerEpoch: 0.5 })).toThrow(/stepsPerEpoch .* got 0.5/);
    expect(() => learningRateAt(-1, ok, plan)).toThrow(/step must be an integer in \[0, totalSteps = 1000\], got -1/);
    expect(() => learningRateAt(1001, ok, plan)).toThrow(/got 1001/);
  });
});
