import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import StudiesView from '../../src-renderer/views/studies/StudiesView.svelte';
import { arm, entry, studyView } from '../helpers/study-view';
import { fakeClient } from './fake-client';

describe('Studies view', () => {
  afterEach(cleanup);

  it('shows what the verdicts were corrected for, a degenerate comparison, the missing seed and the run left out', async () => {
    const view = studyView([
      ...arm('lsq', [0.8, 0.81, 0.82], [100, 120, 110]),
      ...arm('nt', [0.801, 0.811, 0.821], [90, 112, 99]),
      entry('pqn', 0, 0.79, 101),
      entry('pqn', 1, null, null, 'failed', 'Training diverged at epoch 1, step 12: the loss is NaN (lr 0.0500); try a lower learning rate'),
      entry('pqn', 2, 0.8, 108),
    ]);
    render(StudiesView, { props: { client: fakeClient({ listStudies: async () => [view], getStudy: async () => view, listDatasets: async () => [] }) } });
    await fireEvent.click(await screen.findByRole('button', { name: 'verdicts' }));
    const study = await screen.findByRole('article', { name: 'Study 3' });
    expect(within(study).getByText(/^p-values are Holm-adjusted \(step-down, family-wise error 0\.05\) over the 3 comparisons with a test/)).toBeTruthy();
    const verdicts = [...study.querySelectorAll('.verdicts li')].map((li) => li.textContent);
    expect(verdicts[0]).toBe('nt − lsq at W2A2: +0.10 pt, degenerate (all paired differences equal: no variance to test) at n=3');
    expect(verdicts[2]).toMatch(/, Holm p = \d\.\d{3}, not significant at n=2; missing pqn seed 1 \(diverged\)$/);
    expect([...study.querySelectorAll('.left-out li')].map((li) => li.textContent)).toEqual([expect.stringMatching(/^run \d+ \(pqn W2A2 seed 1\): diverged \(Training diverged/)]);
    const rows = within(within(study).getByRole('table', { name: 'Results per cell' })).getAllByRole('row');
    expect(rows.at(-1)!.textContent).toMatch(/^pqnW2A2.*seed 1 diverged$/);
  });
});
