import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterProfile } from '../../shared/cluster-profile';
import ClustersPanel from '../../src-renderer/views/settings/ClustersPanel.svelte';
import { fakeClient } from './fake-client';

const hpc: ClusterProfile = {
  name: 'hpc', commandPrefix: 'ssh login1', partition: 'gpu', account: null, qos: null, timeLimit: '01:00:00', cpusPerTask: 8, gpusPerTask: 1,
  memPerTask: '16G', extraSbatch: [], setup: 'module load nodejs', temperCommand: 'temper', exchange: '/shared/temper', maxParallel: null, requeueOnTimeout: false,
};

describe('Settings → Clusters', () => {
  afterEach(cleanup);

  it('names each bad field under it, then sends the profile the form shows', async () => {
    let saved: ClusterProfile[] = [];
    const client = fakeClient({
      listClusters: async () => saved,
      addCluster: async (input) => {
        saved = [{ ...hpc, ...input } as ClusterProfile];
        return saved[0];
      },
    });
    render(ClustersPanel, { props: { client } });
    await screen.findByText('No cluster profiles yet.');
    await fireEvent.click(screen.getByRole('button', { name: 'Add a cluster' }));
    await fireEvent.input(screen.getByLabelText('Name', { exact: true }), { target: { value: 'hpc' } });
    await fireEvent.input(screen.getByLabelText('Memory per task'), { target: { value: 'lots' } });
    expect(screen.getByLabelText('Memory per task').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('expected a size such as 4G or 8000M')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Add cluster' }));
    expect(screen.getByText('expected an absolute path')).toBeTruthy();
    expect(client.addCluster).not.toHaveBeenCalled();

    await fireEvent.input(screen.getByLabelText('Memory per task'), { target: { value: '16G' } });
    await fireEvent.input(screen.getByLabelText('Exchange folder'), { target: { value: '/shared/temper' } });
    await fireEvent.change(screen.getByLabelText('Reach sbatch, squeue, scancel, sacct'), { target: { value: 'prefix' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add cluster' }));
    expect(screen.getByText('Enter the command that reaches the submit host, e.g. ssh login1')).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Command prefix'), { target: { value: 'ssh login1' } });
    await fireEvent.input(screen.getByLabelText('Extra #SBATCH lines'), { target: { value: '#SBATCH --constraint=a100\n\n' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add cluster' }));
    await waitFor(() => expect(client.addCluster).toHaveBeenCalledTimes(1));
    expect(client.addCluster).toHaveBeenCalledWith(expect.objectContaining({
      name: 'hpc', commandPrefix: 'ssh login1', exchange: '/shared/temper', memPerTask: '16G', partition: null, extraSbatch: ['#SBATCH --constraint=a100'],
    }));
    await screen.findByRole('table', { name: 'Cluster profiles' });
  });

  it('Test connection shows the node and backend, or the error', async () => {
    let fail = false;
    const client = fakeClient({
      listClusters: async () => [hpc],
      testCluster: async () => {
        if (fail) throw new Error("cluster 'hpc': partition: no partition 'gpu' on the cluster (it has debug)");
        return { jobId: '42', node: 'node07', backend: 'onednn', device: '8 threads', partitions: ['gpu', 'debug'] };
      },
    });
    render(ClustersPanel, { props: { client } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Test connection to hpc' }));
    const result = await screen.findByText(/Connected: job 42 ran on/);
    expect(result.textContent).toMatch(/node07; Temper picked the onednn backend \(8 threads\)\. Partitions: gpu, debug\./);
    fail = true;
    await fireEvent.click(screen.getByRole('button', { name: 'Test connection to hpc' }));
    expect((await screen.findByRole('alert')).textContent).toContain("Test failed: cluster 'hpc': partition: no partition 'gpu'");
  });

  it('in the browser (web mode) the command fields cannot be set, and say where they are set', async () => {
    const client = fakeClient({ listClusters: async () => [hpc], appInfo: async () => ({ version: '0', home: '/h', platform: 'linux', shell: 'web' }) });
    render(ClustersPanel, { props: { client } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Add a cluster' }));
    await waitFor(() => expect(screen.getByLabelText('Temper command on the nodes').hasAttribute('readonly')).toBe(true));
    expect(screen.getByLabelText('Setup line').hasAttribute('readonly')).toBe(true);
    expect(screen.getByLabelText('Extra #SBATCH lines').hasAttribute('readonly')).toBe(true);
    expect((screen.getByLabelText('Reach sbatch, squeue, scancel, sacct') as HTMLSelectElement).disabled).toBe(true);
    expect(screen.getAllByText('Set from the desktop app or the CLI (temper clusters add), not in the browser')).toHaveLength(3);
    expect(screen.getByLabelText('Exchange folder').hasAttribute('readonly')).toBe(false);
  });
});
