import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterProfile } from '../../shared/cluster-profile';
import NewRunView from '../../src-renderer/views/new-run/NewRunView.svelte';
import { fakeClient, stubCanvas } from './fake-client';

stubCanvas();

function setup(clusters: ClusterProfile[]) {
  const client = fakeClient({
    listDatasets: async () => [{ name: 'demo', splits: { train: { count: 1000 } } } as never],
    listRuns: async () => ({ rows: [], total: 0 }),
    listClusters: async () => clusters,
    estimateRun: async () => ({ seconds: 95, imagesPerSec: 1200, basis: 'x', range: null }),
    startRun: async () => ({ id: 5, jobId: '17_0' }),
  });
  render(NewRunView, { props: { client, query: {} } });
  return client;
}

describe('New run: Where', () => {
  beforeEach(() => {
    location.hash = '#/new';
  });
  afterEach(() => cleanup());

  it('is hidden without cluster profiles: the run trains on this machine', async () => {
    setup([]);
    await screen.findByRole('option', { name: 'demo' });
    expect(screen.queryByLabelText('Where')).toBeNull();
  });

  it('sends the run to the chosen cluster profile', async () => {
    const client = setup([{ name: 'hpc' } as ClusterProfile]);
    await screen.findByRole('option', { name: 'demo' });
    const where = (await screen.findByLabelText('Where')) as HTMLSelectElement;
    expect([...where.options].map((o) => o.textContent)).toEqual(['This machine', 'hpc (Slurm)']);
    await fireEvent.click(screen.getByRole('button', { name: 'Full-precision baseline' }));
    await fireEvent.change(where, { target: { value: 'hpc' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(client.startRun).toHaveBeenCalledWith(expect.objectContaining({ dataset: 'demo' }), 'hpc'));
  });
});
