import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TEMPER_SCHEDULE,
  temperAt,
  type TemperSchedule,
} from '../../shared/temper-schedule';

const plan = { totalSteps: 1000, stepsPerEpoch: 100 };
const schedule = (overrides: Partial<TemperSchedule> = {}): TemperSchedule => ({
  ...DEFAULT_TEMPER_SCHEDULE,
  ...overrides,
});

describe('temperAt (method.md §3)', () => {
  it('starts at λ0', () => {
    expect(temperAt(0, schedule({ lambda0: 0.7 }), plan)).toBe(0.7);
  });

  it('reaches 1e-3·λ0 at 75 % of training with the default τ', () => {
    expect(temperAt(750, schedule({ lambda0: 2 }), plan)).toBeCloseTo(2e-3, 12);
  });

  it('decays exponentially with τ as a fraction of training', () => {
    expect(temperAt(500, schedule({ tau: 0.25 }), plan)).toBeCloseTo(Math.exp(-2), 12);
    expect(temperAt(100, schedule(), plan) * temperAt(100, schedule(), plan)).toBeCloseTo(
      temperAt(200, schedule(), plan),
      12,
    );
  });

  it('is zero from noiseOffAt on', () => {
    const off = schedule({ noiseOffAt: 0.5 });
    expect(temperAt(499, off, plan)).toBeGreaterThan(0);
    expect(temperAt(500, off, plan)).toBe(0);
    expect(temperAt(999, off, plan)).toBe(0);
  });

  it("is piecewise constant within an epoch with unit 'epoch'", () => {
    const byEpoch = schedule({ unit: 'epoch' });
    expect(temperAt(0, byEpoch, plan)).toBe(1);
    expect(temperAt(99, byEpoch, plan)).toBe(1);
    expect(temperAt(100, byEpoch, plan)).toBe(temperAt(100, schedule(), plan));
    expect(temperAt(199, byEpoch, plan)).toBe(temperAt(100, schedule(), plan));
    expect(temperAt(200, byEpoch, plan)).toBeLessThan(temperAt(199, byEpoch, plan));
  });

  it('defaults to λ0 = 1, τ = 0.75/ln 1000, no noise-off, per step', () => {
    expect(DEFAULT_TEMPER_SCHEDULE).toEqual({
      lambda0: 1,
      tau: 0.75 / Math.log(1000),
      noiseOffAt: null,
      unit: 'step',
    });
  });

  it('rejects invalid arguments with messages naming the field', () => {
    expect(() => temperAt(-1, schedule(), plan)).toThrow(
      'Error in temperAt: step must be a non-negative integer, got -1',
    );
    expect(() => temperAt(1.5, schedule(), plan)).toThrow('step must be a non-negative integer');
    expect(() => temperAt(0, schedule({ tau: 0 }), plan)).toThrow(
      'schedule.tau must be a positive fraction of training, got 0',
    );
    expect(() => temperAt(0, schedule({ lambda0: -1 }), plan)).toThrow('schedule.lambda0');
    expect(() => temperAt(0, schedule({ noiseOffAt: 1.5 }), plan)).toThrow(
      'schedule.noiseOffAt must be null or a fraction in [0, 1], got 1.5',
    );
    expect(() => temperAt(0, schedule({ unit: 'batch' as 'step' }), plan)).toThrow(
      "schedule.unit must be 'step' or 'epoch', got batch",
    );
    expect(() => temperAt(0, schedule(), { totalSteps: 0, stepsPerEpoch: 1 })).toThrow(
      'plan.totalSteps must be a positive integer, got 0',
    );
    expect(() => temperAt(0, schedule(), { totalSteps: 10, stepsPerEpoch: 0 })).toThrow(
      'plan.stepsPerEpoch must be a positive integer, got 0',
    );
  });
});
