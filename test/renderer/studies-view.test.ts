import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import StudiesView from '../../src-renderer/views/studies/StudiesView.svelte';
import { mixedStudyView } from '../helpers/study-view';
import { fakeClient } from './fake-client';

describe('Studies view', () => {
  afterEach(cleanup);

  it('shows what the verdicts were corrected for, a degenerate comparison, the missing seed and the run left out', async () => {
    const view = mixedStudyView();
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
