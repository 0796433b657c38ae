import { describe, expect, it } from 'vitest';
import { holmAdjust, pairedInterval } from '../../shared/stats';
import { arm, entry, studyView } from '../helpers/study-view';

const DIVERGED = 'Training diverged at epoch 1, step 12: the loss is NaN (lr 0.0500); try a lower learning rate';

describe('study verdicts', () => {
  it('pairs on the seeds both arms have, names the missing seed, and lists the diverged run', () => {
    const view = studyView([
      ...arm('lsq', [0.8, 0.82, 0.81], [100, 120, 110]),
      ...arm('nt', [0.83, 0.84], [90, 125]),
      entry('nt', 2, null, null, 'failed', DIVERGED),
    ]);
    const top1 = view.results.differences.find((d) => d.cell.quantizer === 'nt' && d.measure === 'top1')!;
    expect(top1.interval).toMatchObject({ method: 'paired', n: [2, 2], df: 1 });
    expect(top1.interval.estimate).toBeCloseTo(2.5, 10);
    expect(top1.seeds).toEqual([0, 1]);
    expect(top1.missing).toEqual(['nt seed 2 (diverged)']);
    expect(top1.verdict).toMatch(/^nt − lsq at W2A2: \+2\.50 pt \[.*\], p = 0\.\d{3}, Holm p = 0\.\d{3}, not significant at n=2; missing nt seed 2 \(diverged\)$/);
    const nt2 = view.entries.at(-1)!;
    expect(view.results.leftOut).toEqual([{ runId: nt2.runId, cell: nt2.cell, seed: 2, status: 'diverged', reason: DIVERGED }]);
  });

  it('names a seed not run yet, a run still running and a run without its measure', () => {
    const view = studyView([...arm('lsq', [0.8, 0.82], [100, null]), entry('lsq', 2, null, null, 'running'), ...arm('nt', [0.83, 0.84], [90, 95])]);
    const [top1, trace] = view.results.differences;
    expect(top1.missing).toEqual(['nt seed 2 (not run yet)', 'lsq seed 2 (running)']);
    expect(trace.missing).toEqual(['lsq seed 1 (no Hessian trace)', 'nt seed 2 (not run yet)', 'lsq seed 2 (running)']);
    expect(trace.interval).toMatchObject({ n: [1, 1], low: null, p: null });
    expect(view.results.leftOut).toEqual([]);
  });

  it("bases the verdict on Holm's adjustment over every comparison of the study, measures together", () => {
    // top-1: the reference pairs of the stats test, p = 0.0377 alone; the trace pairs differ by −10, +5, −10.
    const view = studyView([...arm('lsq', [0.909, 0.899, 0.915], [100, 120, 110]), ...arm('nt', [0.912, 0.905, 0.921], [90, 125, 100])]);
    const [top1, trace] = view.results.differences;
    expect(top1.interval.p).toBeCloseTo(0.03774955135062374, 10);
    expect(top1.interval.low).toBeGreaterThan(0);
    expect(top1.adjustedP).toBeCloseTo(2 * 0.03774955135062374, 10);
    expect(trace.adjustedP).toBe(holmAdjust([top1.interval.p!, trace.interval.p!])[1]);
    expect(top1.verdict).toBe('nt − lsq at W2A2: +0.50 pt [+0.07, +0.93], p = 0.038, Holm p = 0.075, not significant at n=3');
    expect(view.results.verdicts).toEqual([top1.verdict]);
    expect(view.results.correction).toBe(
      'p-values are Holm-adjusted (step-down, family-wise error 0.05) over the 2 comparisons with a test: every quantizer against lsq at every setting, top-1 and Hessian trace together; a verdict is significant where the adjusted p < 0.05. Intervals are 95 % and unadjusted.',
    );
  });

  it('the family spans every quantizer: four tests, each adjusted by its rank', () => {
    const view = studyView([
      ...arm('lsq', [0.8, 0.81, 0.79], [100, 120, 110]),
      ...arm('nt', [0.85, 0.862, 0.838], [90, 112, 99]),
      ...arm('pqn', [0.82, 0.815, 0.8], [101, 119, 113]),
    ]);
    const raw = view.results.differences.map((d) => d.interval.p!);
    expect(raw.every((p) => p > 0 && p < 1)).toBe(true);
    expect(view.results.differences.map((d) => d.adjustedP)).toEqual(holmAdjust(raw));
    expect(view.results.correction).toMatch(/over the 4 comparisons with a test/);
  });

  it('zero variance is degenerate: no interval, no p, out of the family, and the reason in the verdict', () => {
    // nt is exactly 0.1 pt above lsq at every seed.
    const view = studyView([...arm('lsq', [0.8, 0.81, 0.82], [100, 120, 110]), ...arm('nt', [0.801, 0.811, 0.821], [90, 112, 99])]);
    const [top1, trace] = view.results.differences;
    expect(top1.interval).toMatchObject({ low: null, high: null, p: null, degenerate: 'all paired differences equal: no variance to test' });
    expect(top1.adjustedP).toBeNull();
    expect(top1.verdict).toBe('nt − lsq at W2A2: +0.10 pt, degenerate (all paired differences equal: no variance to test) at n=3');
    expect(trace.adjustedP).toBe(trace.interval.p);
    expect(view.results.correction).toMatch(/over the 1 comparison with a test: .* \(1 without a test, at n=1 or degenerate, are shown but not counted\)/);
    expect(pairedInterval([80.1, 81.1, 82.1], [80, 81, 82]).degenerate).not.toBeNull();
  });
});
