import { describe, expect, it } from 'vitest';
import { percentShown, shownDeltaVsParent, signedPoints } from '../../shared/accuracy';

describe('Δ top-1 vs parent', () => {
  it('is the shown final top-1 minus the shown parent final top-1: + means better', () => {
    // Parent 91.20 %, run 90.00 %.
    expect(shownDeltaVsParent({ status: 'completed', finalTop1: 0.9, deltaVsParent: -0.012 })).toBe(-1.2);
    expect(shownDeltaVsParent({ status: 'completed', finalTop1: 0.93, deltaVsParent: 0.005 })).toBe(0.5);
    // Computed from the rounded values beside it: 68.124 % shows 68.12, parent 68.456 % shows 68.46.
    expect(shownDeltaVsParent({ status: 'running', finalTop1: 0.68124, deltaVsParent: -0.00332 })).toBe(-0.34);
  });

  it('is not given for failed or cancelled runs, nor without a parent', () => {
    expect(shownDeltaVsParent({ status: 'failed', finalTop1: 0.9, deltaVsParent: 0.01 })).toBeNull();
    expect(shownDeltaVsParent({ status: 'cancelled', finalTop1: 0.9, deltaVsParent: 0.01 })).toBeNull();
    expect(shownDeltaVsParent({ status: 'completed', finalTop1: 0.9, deltaVsParent: null })).toBeNull();
  });

  it('formats with a sign and rounds percentages as the tables do', () => {
    expect(signedPoints(-1.2)).toBe('−1.20');
    expect(signedPoints(0.5)).toBe('+0.50');
    expect(signedPoints(0)).toBe('0.00');
    expect(percentShown(0.123456)).toBe(12.35);
    expect(percentShown(null)).toBeNull();
  });
});
