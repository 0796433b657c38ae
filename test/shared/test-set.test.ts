import { describe, expect, it } from 'vitest';
import { missingDeltaNote, shownDeltaVsParent } from '../../shared/accuracy';
import type { StudyCell } from '../../shared/study';
import { type StudyEntry, studyResults } from '../../shared/study-results';
import { testSetNote } from '../../shared/test-set';

const A = { images: 1000, hash: 'aaaaaaaaaaaaaaaa' };
const B = { images: 2000, hash: 'bbbbbbbbbbbbbbbb' };

describe('test set notes', () => {
  it('say nothing for runs on the same images, name each group of runs on different ones, and flag unknown ones', () => {
    expect(testSetNote([{ id: 1, status: 'completed', testSet: A }, { id: 2, status: 'completed', testSet: A }])).toBeNull();
    expect(testSetNote([{ id: 1, status: 'completed', testSet: A }, { id: 2, status: 'completed', testSet: B }, { id: 3, status: 'failed', testSet: A }])).toBe(
      'tested on different test sets: runs 1, 3 on 1000 images (aaaaaaaaaaaaaaaa); run 2 on 2000 images (bbbbbbbbbbbbbbbb); their top-1 do not compare',
    );
    expect(testSetNote([{ id: 1, status: 'completed', testSet: A }, { id: 2, status: 'completed', testSet: null }])).toBe(
      'test set unknown for run 2 (trained before Temper recorded test sets): they may have been tested on different test sets',
    );
    // A queued run has no results yet.
    expect(testSetNote([{ id: 1, status: 'completed', testSet: A }, { id: 2, status: 'queued', testSet: null }])).toBeNull();
  });

  it('replace Δ vs parent where the parent was tested on other or unknown images', () => {
    const run = { status: 'completed', finalTop1: 0.8, deltaVsParent: null };
    expect(shownDeltaVsParent(run)).toBeNull();
    expect(missingDeltaNote({ ...run, parentTestSet: 'different' })).toBe('tested on different test sets');
    expect(missingDeltaNote({ ...run, parentTestSet: 'unknown' })).toBe('test set unknown');
    expect(missingDeltaNote({ ...run, parentTestSet: null })).toBeNull();
    expect(missingDeltaNote({ ...run, deltaVsParent: -0.01, parentTestSet: 'same' })).toBeNull();
  });
});

describe('study results on different test sets', () => {
  const lsq: StudyCell = { quantizer: 'lsq', bits: 2, paths: {} };
  const nt: StudyCell = { quantizer: 'nt', bits: 2, paths: {} };
  const entry = (runId: number, cell: StudyCell, seed: number, top1: number, testSet: typeof A | null): StudyEntry => ({
    runId, cell, seed, status: 'completed', error: null, top1, trace: null, eigen: null, perturb: null, testSet,
  });
  const results = (sets: (typeof A | null)[]) =>
    studyResults([lsq, nt], [entry(1, lsq, 0, 0.5, sets[0]), entry(2, lsq, 1, 0.52, sets[1]), entry(3, nt, 0, 0.55, sets[2]), entry(4, nt, 1, 0.58, sets[3])], 'lsq', [], [0, 1]);

  it('mark the verdict and the results when the arms were tested on different images, or unknown ones', () => {
    const same = results([A, A, A, A]);
    expect(same.testSets).toBeNull();
    expect(same.verdicts[0]).not.toMatch(/test set/);
    const mixed = results([A, A, B, B]);
    expect(mixed.verdicts[0]).toMatch(/; tested on different test sets$/);
    expect(mixed.testSets).toMatch(/^tested on different test sets: runs 1, 2 on 1000 images/);
    expect(results([A, null, A, A]).verdicts[0]).toMatch(/; test set unknown$/);
  });
});
