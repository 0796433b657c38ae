import { describe, expect, it } from 'vitest';
import { perturbText, traceText } from '../../src-renderer/lib/sharpness';

describe('perturbText', () => {
  it('signs loss changes both ways: a perturbed model can land on a lower loss', () => {
    const perturb = { mean: -0.007133, max: 0.0125, base: 0.5, radius: 0.05, directions: 10 };
    expect(perturbText(perturb)).toMatch(/^mean −0\.007133, max \+0\.01250 at ρ = 0\.05 \(10 directions\)$/);
    expect(perturbText(undefined)).toBe('—');
  });
});

describe('traceText', () => {
  it('shows ± the standard error from two probes on, and no error estimate for one', () => {
    expect(traceText({ value: 478.1, stderr: 0, iterations: 1, hvp: 'exact' })).toBe('478.1 (1 probe, no error estimate, exact)');
    expect(traceText({ value: 478.1, stderr: 12.5, iterations: 8, hvp: 'exact' })).toMatch(/^478\.1 ± 12\.5\d* \(8 probes, exact\)$/);
  });
});
