import { parseStudySpec, studyCells, type StudyCell } from '../../shared/study';
import { type StudyEntry, studyProgress, studyResults, type StudyView } from '../../shared/study-results';

/**
 * A study view as StudyService.view builds it, from a spec and hand-made grid runs (no training):
 * lsq, nt and pqn at W2A2, seeds 0, 1 and 2, the Hessian trace measured.
 */

export const SPEC = parseStudySpec({
  name: 'verdicts', dataset: 'g', parent: { run: 1 }, recipe: { model: 'mlp' },
  grid: { quantizers: ['lsq', 'nt', 'pqn'], bits: [2], seeds: [0, 1, 2] }, measures: ['trace'],
});

const cellOf = (quantizer: string): StudyCell => ({ quantizer, bits: 2, paths: {} });

let nextRunId = 2;

/** A completed run with its top-1 (a fraction, as runs store it) and trace, or an ended one with its error. */
export function entry(quantizer: string, seed: number, top1: number | null, trace: number | null, status = 'completed', error: string | null = null): StudyEntry {
  return { runId: nextRunId++, cell: cellOf(quantizer), seed, status, error, top1, trace, eigen: null, perturb: null, testSet: { images: 1000, hash: 'same-test-set' } };
}

/** Runs of one quantizer over seeds 0.. from top-1 and trace lists. */
export const arm = (quantizer: string, top1: number[], trace: (number | null)[]) => top1.map((t, seed) => entry(quantizer, seed, t, trace[seed]));

export function studyView(entries: StudyEntry[]): StudyView {
  const cells = studyCells(SPEC);
  return {
    id: 3, name: 'verdicts', spec: SPEC, status: 'completed', error: null, groupId: 1, parentRunId: 1, createdAt: 0,
    progress: studyProgress(cells.length * SPEC.grid.seeds.length, entries, SPEC.measures),
    entries,
    results: studyResults(cells, entries, SPEC.baseline, SPEC.measures, SPEC.grid.seeds),
  };
}

/** nt a constant 0.1 pt above lsq (degenerate), pqn missing seed 1 to a diverged run. */
export function mixedStudyView(): StudyView {
  return studyView([
    ...arm('lsq', [0.8, 0.81, 0.82], [100, 120, 110]),
    ...arm('nt', [0.801, 0.811, 0.821], [90, 112, 99]),
    entry('pqn', 0, 0.79, 101),
    entry('pqn', 1, null, null, 'failed', 'Training diverged at epoch 1, step 12: the loss is NaN (lr 0.0500); try a lower learning rate'),
    entry('pqn', 2, 0.8, 108),
  ]);
}
