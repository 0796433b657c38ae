import { describe, expect, it } from 'vitest';
import { holmAdjust, mean, pairedInterval, sd, studentTCdf, studentTQuantile, twoSidedP, verdictLine, welchInterval } from '../../shared/stats';

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

// Reference values: scipy 1.17 (2 * t.sf(|t|, df), ttest_rel, ttest_ind with equal_var=False).
describe('p-values', () => {
  it.each([
    [2.5, 3, 0.08770664700806556],
    [0.5, 1, 0.7048327646991335],
    [10, 2, 0.00985245702332569],
    [1.96, 200, 0.051384840845813295],
    [3.2, 7.3, 0.014239668038658306],
    [-1.2, 4, 0.29635139331235333],
    [25, 5, 1.910677784395424e-6],
  ])('t = %f, df = %f gives two-sided p = %f', (t, df, expected) => {
    expect(twoSidedP(t, df) / expected).toBeCloseTo(1, 10);
  });

  it('paired t and Welch give the p of their own t statistic', () => {
    expect(pairedInterval([0.912, 0.905, 0.921], [0.909, 0.899, 0.915]).p).toBeCloseTo(0.03774955135062374, 10);
    expect(welchInterval([91.2, 90.8, 91.5, 90.9], [90.1, 90.7, 89.8]).p).toBeCloseTo(0.05285665496819726, 10);
  });
});

describe('zero variance', () => {
  it('paired differences that are all equal are degenerate: no interval, no p-value, and the reason', () => {
    for (const [a, b] of [[[0.1, 0.1, 0.1], [0, 0, 0]], [[91.3, 90.6, 92.1], [91.2, 90.5, 92.0]]]) {
      const interval = pairedInterval(a, b);
      expect(interval).toMatchObject({ low: null, high: null, p: null, degenerate: 'all paired differences equal: no variance to test' });
      expect(interval.estimate).toBeCloseTo(0.1, 12);
      expect(verdictLine('nt − lsq at W2A2', interval)).toBe('nt − lsq at W2A2: +0.10 pt, degenerate (all paired differences equal: no variance to test) at n=3');
    }
  });

  it('Welch with no spread in either arm is degenerate too', () => {
    const interval = welchInterval([90.5, 90.5, 90.5], [90.1, 90.1]);
    expect(interval).toMatchObject({ low: null, high: null, p: null, degenerate: 'every value equal within each arm: no variance to test' });
    expect(verdictLine('a − b', interval)).toBe('a − b: +0.40 pt, degenerate (every value equal within each arm: no variance to test) at n=3 vs 2, Welch');
  });
});

describe('holmAdjust', () => {
  it('multiplies the k-th smallest of m by m − k + 1 and keeps the order monotone (by hand)', () => {
    // sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → raised to 0.06.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 15));
  });

  it('caps at 1 and leaves a family of one alone', () => {
    expect(holmAdjust([0.6, 0.2, 0.9])).toEqual([1, 3 * 0.2, 1]);
    expect(holmAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([])).toEqual([]);
  });
});

const interval = (p: number) => ({ estimate: 0.31, low: 0.05, high: 0.57, df: 2, method: 'paired' as const, n: [3, 3] as [number, number], p, degenerate: null });

describe('verdictLine', () => {
  it('states a non-significant difference with its interval, p and n', () => {
    const wide = { ...interval(0.21), low: -0.12, high: 0.74 };
    expect(verdictLine('nt − lsq at W2A2', wide)).toBe('nt − lsq at W2A2: +0.31 pt [−0.12, +0.74], p = 0.210, not significant at n=3');
  });

  it('takes the verdict word from the Holm-adjusted p, showing both', () => {
    expect(verdictLine('nt − lsq at W2A2', interval(0.03), 'pt', 2, 0.09)).toBe('nt − lsq at W2A2: +0.31 pt [+0.05, +0.57], p = 0.030, Holm p = 0.090, not significant at n=3');
    expect(verdictLine('nt − lsq at W2A2', interval(0.004), 'pt', 2, 0.012)).toBe('nt − lsq at W2A2: +0.31 pt [+0.05, +0.57], p = 0.004, Holm p = 0.012, significant (higher) at n=3');
    expect(verdictLine('x', interval(0.0001), 'pt', 2, 0.0004)).toMatch(/p < 0\.001, Holm p < 0\.001, significant/);
  });

  it('says which way a significant difference goes', () => {
    const paired = pairedInterval([80, 81, 82], [70, 70.5, 71.5]);
    expect(verdictLine('nt − lsq at W2A2', paired)).toMatch(/^nt − lsq at W2A2: \+10\.33 pt \[\+\d+\.\d\d, \+\d+\.\d\d\], p < 0\.001, significant \(higher\) at n=3$/);
  });

  it('gives no interval at n = 1', () => {
    expect(verdictLine('nt − lsq at W4A4', pairedInterval([90.5], [90.7]))).toBe('nt − lsq at W4A4: −0.20 pt, no interval at n=1');
  });

  it('names Welch and both counts when unpaired', () => {
    expect(verdictLine('a − b', welchInterval([1, 2, 3], [1, 2]), '')).toMatch(/^a − b: \+0\.50 \[.*\], p = \d\.\d{3}, not significant at n=3 vs 2, Welch$/);
  });
});
