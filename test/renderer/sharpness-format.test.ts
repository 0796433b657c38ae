import { describe, expect, it } from 'vitest';
import { perturbText } from '../../src-renderer/lib/sharpness';

describe('perturbText', () => {
  it('signs loss changes both ways: a perturbed model can land on a lower loss', () => {
    const perturb = { mean: -0.007133, max: 0.0125, base: 0.5, radius: 0.05, directions: 10 };
    expect(perturbText(perturb)).toMatch(/^mean −0\.007133, max \+0\.01250 at ρ = 0\.05 \(10 directions\)$/);
    expect(perturbText(undefined)).toBe('—');
  });
});
