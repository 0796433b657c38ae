import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DatasetInfo, RunRow } from '../../shared/api';
import type { ListRunsQuery } from '../../shared/records';
import RunsView from '../../src-renderer/views/runs/RunsView.svelte';
import { fakeClient, runRecord } from './fake-client';

const rows: RunRow[] = [
  { ...runRecord({ id: 2, quantizer: 'nt', bits: 4, parentId: 1, deltaVsParent: -0.0123, status: 'running', epochsDone: 0, epochsTotal: 2 }), tags: ['w4'] },
  { ...runRecord({ id: 1, name: 'fp baseline' }), tags: [] },
];

function setup(query: Record<string, string> = {}, listRuns?: (q: ListRunsQuery) => Promise<{ rows: RunRow[]; total: number }>) {
  const client = fakeClient({ listRuns: listRuns ?? (async () => ({ rows, total: 120 })) });
  render(RunsView, { props: { client, query } });
  const calls = () => (client.listRuns as unknown as { mock: { calls: [ListRunsQuery][] } }).mock.calls.map((c) => c[0]);
  return { client, calls };
}

describe('Runs table', () => {
  beforeEach(() => {
    location.hash = '#/runs';
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('asks the server for the first page, newest first, and shows its rows', async () => {
    const { calls } = setup();
    await screen.findByText('fp baseline');
    expect(calls()).toEqual([{ sort: 'created_at', order: 'desc', limit: 50, offset: 0 }]);
    expect(screen.getByText('1–50 of 120 runs')).toBeTruthy();
    expect(screen.getByText('−1.23 pt')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'w4' }).getAttribute('href')).toBe('#/runs?filter=tag%20%3D%20%22w4%22');
  });

  it('sorts by a column header through the server, toggling the order', async () => {
    const { calls } = setup();
    await screen.findByText('fp baseline');
    await fireEvent.click(screen.getByRole('button', { name: 'Best top-1' }));
    await waitFor(() => expect(calls().at(-1)).toMatchObject({ sort: 'best_top1', order: 'desc', offset: 0 }));
    await fireEvent.click(screen.getByRole('button', { name: /Best top-1/ }));
    await waitFor(() => expect(calls().at(-1)).toMatchObject({ sort: 'best_top1', order: 'asc' }));
    expect(screen.getByRole('columnheader', { name: /Best top-1/ }).getAttribute('aria-sort')).toBe('ascending');
    await fireEvent.click(screen.getByRole('button', { name: 'Quantizer' }));
    await waitFor(() => expect(calls().at(-1)).toMatchObject({ sort: 'quantizer', order: 'asc' }));
    expect(location.hash).toBe('#/runs?sort=quantizer&order=asc');
  });

  it('leaves out the least needed columns where the table is wider than its panel, and says which', async () => {
    // jsdom lays nothing out: a panel 800 px wide, and 100 px a column.
    const width = vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockImplementation(function (this: HTMLElement) {
      return this.classList.contains('table-panel') ? 800 : 0;
    });
    const scroll = vi.spyOn(HTMLElement.prototype, 'scrollWidth', 'get').mockImplementation(function (this: HTMLElement) {
      return this.classList.contains('table-panel') ? 100 * this.querySelectorAll('th').length : 0;
    });
    try {
      setup();
      const headers = () => screen.getAllByRole('columnheader').map((th) => th.textContent!.trim());
      await waitFor(() => expect(headers()).toEqual(['', 'Run', 'Model', 'Quantizer', 'Status', 'Final top-1', 'Δ top-1 vs parent', 'Duration']));
      expect(screen.getByTestId('dropped-columns').textContent).toBe(
        'Left out to fit this window: Dataset, Bits, Seed, Best top-1, Tags, Created. Widen the window or choose fewer columns.',
      );
    } finally {
      width.mockRestore();
      scroll.mockRestore();
    }
  });

  it('pages with offsets', async () => {
    const { calls } = setup();
    await screen.findByText('fp baseline');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(calls().at(-1)).toMatchObject({ limit: 50, offset: 50 }));
    await fireEvent.click(screen.getByRole('button', { name: 'Last' }));
    await waitFor(() => expect(calls().at(-1)).toMatchObject({ offset: 100 }));
    expect(screen.getByText('Page 3 of 3')).toBeTruthy();
  });

  it('sends the filter on Enter, from the first page, and shows the server error inline', async () => {
    const { calls } = setup({ page: '2' }, async (q) => {
      if (q.filter?.includes('bitz')) throw new Error("filter: unknown field 'bitz' at 1; fields are id, name, ...");
      return { rows, total: 120 };
    });
    await screen.findByText('fp baseline');
    expect(calls()[0]).toMatchObject({ offset: 50 });
    const box = screen.getByLabelText('Filter');
    await fireEvent.input(box, { target: { value: 'quantizer=nt and bits in (2,3)' } });
    await fireEvent.submit(box.closest('form')!);
    await waitFor(() => expect(calls().at(-1)).toEqual({ filter: 'quantizer=nt and bits in (2,3)', sort: 'created_at', order: 'desc', limit: 50, offset: 0 }));
    await fireEvent.input(box, { target: { value: 'bitz = 2' } });
    await fireEvent.submit(box.closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toMatch(/unknown field 'bitz'/);
    expect(box.getAttribute('aria-invalid')).toBe('true');
    // The rows of the previous filter are not left under the error, as if they answered this one.
    expect(screen.queryByText('fp baseline')).toBeNull();
  });

  it('applies the filter by itself when typing pauses', async () => {
    const { calls } = setup();
    await screen.findByText('fp baseline');
    await fireEvent.input(screen.getByLabelText('Filter'), { target: { value: 'status = failed' } });
    await waitFor(() => expect(calls().at(-1)).toMatchObject({ filter: 'status = failed' }), { timeout: 2000 });
  });

  it('compares the selected runs, across pages', async () => {
    setup();
    await screen.findByText('fp baseline');
    const compare = screen.getByRole('button', { name: 'Compare' }) as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Select run #2' }));
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Select run #1' }));
    expect(screen.getByText('2 selected')).toBeTruthy();
    await fireEvent.click(compare);
    expect(location.hash).toBe('#/compare?ids=1,2');
  });

  it('shows live progress and refreshes at most twice a second on status and epoch events', async () => {
    const { client, calls } = setup();
    await screen.findByText('fp baseline');
    vi.useFakeTimers();
    client.emit({ type: 'run-progress', id: 2, epoch: 1, step: 30, totalSteps: 40, loss: 0.5, imagesPerSec: 900 });
    await vi.advanceTimersByTimeAsync(300);
    expect(screen.getByRole('progressbar', { name: 'Training progress: 75%' })).toBeTruthy();
    expect(screen.getByText('epoch 2/2')).toBeTruthy();
    const before = calls().length;
    for (let i = 0; i < 20; i++) client.emit({ type: 'run-epoch', id: 2, epoch: 1, trainLoss: 1, testLoss: 1, testTop1: 0.5 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls().length - before).toBeLessThanOrEqual(2);
    expect(calls().length - before).toBeGreaterThanOrEqual(1);
  });

  it('stops listening when it is closed', async () => {
    const { client } = setup();
    await screen.findByText('fp baseline');
    expect(client.listenerCount()).toBe(1);
    cleanup();
    expect(client.listenerCount()).toBe(0);
  });
});

describe('Runs table columns', () => {
  beforeEach(() => {
    location.hash = '#/runs';
    localStorage.clear();
  });
  afterEach(() => cleanup());

  it('adds config columns (lr, λ0, τ) from the chooser, "—" where a field does not apply, and remembers the choice', async () => {
    const config = (quantizer: string) => ({
      lr: { base: 0.01 }, batchSize: 64, limitTrain: 256, limitTest: null, quant: { quantizer, temper: { lambda0: 1, tau: 0.1086 } },
    }) as unknown as RunRow['config'];
    const withConfig: RunRow[] = [
      { ...rows[0], config: config('nt') },
      { ...rows[1], config: config('fp') },
    ];
    setup({}, async () => ({ rows: withConfig, total: 2 }));
    await screen.findByText('fp baseline');
    expect(screen.queryByRole('columnheader', { name: 'λ0' })).toBeNull();
    for (const label of ['LR', 'λ0', 'τ', 'Limit train / test']) await fireEvent.click(screen.getByRole('checkbox', { name: label }));
    const cells = (id: string) => [...document.querySelectorAll(`td[data-column="${id}"]`)].map((td) => td.textContent);
    expect(cells('lambda0')).toEqual(['1', '—']);
    expect(cells('tau')).toEqual(['0.109', '—']);
    expect(cells('lr')).toEqual(['0.01', '0.01']);
    expect(cells('limit')).toEqual(['256 / all', '256 / all']);
    expect(screen.getByRole('columnheader', { name: 'Δ top-1 vs parent' }).getAttribute('title')).toMatch(/\+ means better than the parent/);
    cleanup();
    setup({}, async () => ({ rows: withConfig, total: 2 }));
    await screen.findByText('fp baseline');
    expect(screen.getByRole('columnheader', { name: 'λ0' })).toBeTruthy();
  });

  it('shows no Δ vs parent for a failed run', async () => {
    setup({}, async () => ({ rows: [{ ...rows[0], status: 'failed' }, rows[1]], total: 2 }));
    await screen.findByText('fp baseline');
    expect([...document.querySelectorAll('td[data-column="delta"]')].map((td) => td.textContent)).toEqual(['—', '—']);
  });
});

describe('the first screen of an empty data folder', () => {
  afterEach(() => cleanup());

  it('says what to do in order and loads the demo dataset from there, then offers New run', async () => {
    let datasets: DatasetInfo[] = [];
    const client = fakeClient({
      listRuns: async () => ({ rows: [], total: 0 }),
      listDatasets: async () => datasets,
      createDemoDataset: async () => {
        datasets = [{ name: 'demo' } as DatasetInfo];
        return datasets[0];
      },
    });
    render(RunsView, { props: { client, query: {} } });
    expect(await screen.findByRole('heading', { name: 'Start here' })).toBeTruthy();
    expect(screen.getByText(/No runs yet\./)).toBeTruthy();
    const steps = screen.getAllByRole('listitem').map((li) => li.querySelector('strong')!.textContent);
    expect(steps).toEqual(['Get a dataset.', 'Train a full-precision baseline.', 'Quantize it.', 'Compare.']);
    expect(screen.getByRole('link', { name: 'Import a dataset' }).getAttribute('href')).toBe('#/datasets');
    expect(screen.queryByRole('button', { name: 'New run' })).toBeNull();
    await fireEvent.click(await screen.findByRole('button', { name: 'Load the demo dataset' }));
    expect(await screen.findByText('Ready: demo.')).toBeTruthy();
    expect(client.createDemoDataset).toHaveBeenCalledOnce();
    await fireEvent.click(screen.getByRole('button', { name: 'New run' }));
    expect(location.hash).toBe('#/new');
  });

  it('shows why the demo could not be made, and keeps plain words for a filter that matches nothing', async () => {
    const client = fakeClient({
      listRuns: async () => ({ rows: [], total: 0 }),
      listDatasets: async () => [],
      createDemoDataset: async () => {
        throw new Error('/data/sources: no space left on the device');
      },
    });
    render(RunsView, { props: { client, query: {} } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Load the demo dataset' }));
    expect((await screen.findByRole('alert')).textContent).toBe('/data/sources: no space left on the device');
    cleanup();
    render(RunsView, { props: { client, query: { filter: 'bits = 3' } } });
    expect(await screen.findByText('No runs match the filter.')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Start here' })).toBeNull();
  });
});
