import { describe, expect, it } from 'vitest';
import { mean, pairedInterval, sd, studentTCdf, studentTQuantile, verdictLine, welchInterval } from '../../shared/stats';

// Reference values: Student's t tables, checked with mpmath (betainc + findroot) at 30 digits.
describe('studentTQuantile', () => {
  it.each([
    [0.975, 1, 12.7062047361747],
    [0.975, 2, 4.30265272974946],
    [0.975, 4, 2.77644510519779],
    [0.975, 30, 2.04227245630124],
    [0.975, Infinity, 1.95996398454005],
    [0.975, 7.3, 2.3450667365477],
    [0.995, 3, 5.84090930973336],
    [0.9, 1000, 1.28239872146092],
  ])('p = %f, df = %f gives %f', (p, df, expected) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(expected, 9);
    expect(studentTQuantile(1 - p, df)).toBeCloseTo(-expected, 9);
  });

  it('inverts the CDF', () => {
    for (const df of [1, 2.5, 9, 60]) expect(studentTCdf(studentTQuantile(0.8, df), df)).toBeCloseTo(0.8, 12);
    expect(studentTCdf(0, 3)).toBe(0.5);
  });

  it('refuses a probability outside (0, 1) or a non-positive df, naming it', () => {
    expect(() => studentTQuantile(1, 3)).toThrow('p must be in (0, 1), got 1');
    expect(() => studentTQuantile(0.5, 0)).toThrow('df must be positive, got 0');
  });
});

describe('mean and sd', () => {
  it('give the sample (n − 1) standard deviation', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sd([1, 2, 3, 4])).toBeCloseTo(1.2909944487358056, 14);
    expect(sd([5])).toBe(0);
  });
});

describe('intervals', () => {
  it('paired t over three pairs matches the reference', () => {
    const interval = pairedInterval([0.912, 0.905, 0.921], [0.909, 0.899, 0.915]);
    expect(interval.estimate).toBeCloseTo(0.005, 12);
    expect(interval.low).toBeCloseTo(0.0006973472702505382, 12);
    expect(interval.high).toBeCloseTo(0.00930265272974947, 12);
    expect(interval.df).toBe(2);
  });

  it('Welch uses the Welch–Satterthwaite degrees of freedom', () => {
    const interval = welchInterval([91.2, 90.8, 91.5, 90.9], [90.1, 90.7, 89.8]);
    expect(interval.estimate).toBeCloseTo(0.9, 12);
    expect(interval.df).toBeCloseTo(3.394984326018791, 10);
    expect(interval.low).toBeCloseTo(-0.019391747633187295, 9);
    expect(interval.high).toBeCloseTo(1.8193917476331702, 9);
  });

  it('pairs need equal lengths', () => {
    expect(() => pairedInterval([1, 2], [1])).toThrow('2 values against 1');
  });
});

describe('verdictLine', () => {
  it('states a non-significant difference with its interval and n', () => {
    const interval = { estimate: 0.31, low: -0.12, high: 0.74, df: 2, method: 'paired' as const, n: [3, 3] as [number, number] };
    expect(verdictLine('nt − lsq at W2A2', interval)).toBe('nt − lsq at W2A2: +0.31 pt [−0.12, +0.74], not significant at n=3');
  });

  it('says which way a significant difference goes', () => {
    const interval = pairedInterval([80, 81, 82], [70, 70.5, 71.5]);
    expect(verdictLine('nt − lsq at W2A2', interval)).toMatch(/^nt − lsq at W2A2: \+10\.33 pt \[\+\d+\.\d\d, \+\d+\.\d\d\], significant \(higher\) at n=3$/);
  });

  it('gives no interval at n = 1', () => {
    expect(verdictLine('nt − lsq at W4A4', pairedInterval([90.5], [90.7]))).toBe('nt − lsq at W4A4: −0.20 pt, no interval at n=1');
  });

  it('names Welch and both counts when unpaired', () => {
    expect(verdictLine('a − b', welchInterval([1, 2, 3], [1, 2]), '')).toMatch(/^a − b: \+0\.50 \[.*\], not significant at n=3 vs 2, Welch$/);
  });
});
