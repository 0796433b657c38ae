import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Comparison, CompareRow, GroupSummary } from '../../shared/api';
import type { RunCurves } from '../../shared/records';
import CompareView from '../../src-renderer/views/compare/CompareView.svelte';
import { fakeClient, stubCanvas } from './fake-client';

const row = (id: number, patch: Partial<CompareRow> = {}): CompareRow => ({
  id, name: null, model: 'cnn-small', dataset: 'demo', quantizer: 'nt', bits: 4, seed: 0, status: 'completed',
  finalTop1: 0.9, bestTop1: 0.91, bestUnavailable: null, parentId: 1, deltaVsParent: -0.012, testSet: { images: 100, hash: '0123456789abcdef' }, parentTestSet: 'same',
  sharpness: null, ...patch,
});

const curves = (runId: number, top1: number[]): RunCurves => {
  const epoch = top1.map((_, i) => i + 1);
  const z = epoch.map(() => 0.1);
  return { runId, epoch, step: z, trainLoss: z, trainTop1: z, testLoss: z, testTop1: top1, testTop5: z, lr: z, lambda: z, seconds: z, imagesPerSec: z };
};

const pair: Comparison = {
  runs: [row(1, { quantizer: 'fp', bits: null, parentId: null, deltaVsParent: null, parentTestSet: null, finalTop1: 0.912 }), row(2)],
  testSets: null,
  differing: [{ path: 'quant.quantizer', values: ['fp', 'nt'] }, { path: 'lr.base', values: [0.1, 0.01] }],
};

/** jsdom's Blob has no text(). */
function blobText(blob: Blob): Promise<string> {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.readAsText(blob);
  });
}

/** Captures what downloadText hands the browser. */
function captureDownloads() {
  const files: { name: string; blob: Blob }[] = [];
  let last: Blob | null = null;
  URL.createObjectURL = vi.fn((blob: Blob) => ((last = blob), 'blob:temper/1'));
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    files.push({ name: this.download, blob: last! });
  });
  return files;
}

describe('Compare view', () => {
  beforeEach(() => {
    stubCanvas();
    location.hash = '#/compare?ids=1,2';
  });
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  function setup(query: Record<string, string>, extra = {}) {
    const client = fakeClient({
      compareRuns: async (ids) => ({ ...pair, runs: pair.runs.filter((r) => ids.includes(r.id)) }),
      runCurves: async (ids) => ids.map((id) => curves(id, [0.5, 0.8, 0.9])),
      listGroups: async () => [{ id: 3, name: 'qat-sweep', sweep: {}, createdAt: 0 }],
      listRuns: async () => ({ rows: [{ id: 1, config: { model: 'cnn-small' } } as never, { id: 2, config: { model: 'cnn-small', lr: { base: 0.01 } } } as never], total: 2 }),
      sharpnessOf: async () => [],
      ...extra,
    });
    render(CompareView, { props: { client, query, appVersion: '0.1.0' } });
    return client;
  }

  it('shows both runs with final and best top-1, the signed Δ top-1 vs parent, and only the differing config fields', async () => {
    const client = setup({ ids: '1,2' });
    const table = await screen.findByTestId('compare-runs');
    expect(client.compareRuns).toHaveBeenCalledWith([1, 2]);
    expect(client.runCurves).toHaveBeenCalledWith([1, 2]);
    expect(within(table).getByText('91.20%')).toBeTruthy();
    expect(within(table).getByText('−1.20 pt')).toBeTruthy();
    const config = screen.getByTestId('compare-config');
    expect(within(config).getAllByRole('row').map((r) => r.textContent)).toEqual(['Field#1#2', 'quant.quantizerfpnt', 'lr.base0.10.01']);
    const charts = screen.getByTestId('compare-charts').querySelectorAll('figure');
    expect([...charts].map((f) => [f.querySelector('figcaption')!.textContent, f.dataset.series, f.dataset.points])).toEqual([
      ['Test top-1', '2', '6'],
      ['Test loss', '2', '6'],
      ['Train loss', '2', '6'],
      ['Learning rate', '2', '6'],
      // Run 2 is nt: its temper λ decays.
      ['Temper λ', '2', '6'],
    ]);
  });

  it('marks runs tested on different test sets, and shows why there is no Δ vs parent', async () => {
    const other = { images: 200, hash: 'fedcba9876543210' };
    const note = 'tested on different test sets: run 1 on 100 images (0123456789abcdef); run 2 on 200 images (fedcba9876543210); their top-1 do not compare';
    const runs = [pair.runs[0], row(2, { testSet: other, parentTestSet: 'different', deltaVsParent: null })];
    setup({ ids: '1,2' }, { compareRuns: async () => ({ ...pair, runs, testSets: note }) });
    const table = await screen.findByTestId('compare-runs');
    expect(screen.getByTestId('compare-test-sets').textContent).toBe(note);
    expect(within(table).getByText('tested on different test sets')).toBeTruthy();
    expect(within(table).getByText('200 images (fedcba9876543210)')).toBeTruthy();
  });

  it('downloads the comparison as a named CSV file', async () => {
    const files = captureDownloads();
    setup({ ids: '1,2' });
    await screen.findByTestId('compare-runs');
    await fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(files).toHaveLength(1);
    expect(files[0].name).toMatch(/^temper-compare-runs-1-2-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await blobText(files[0].blob);
    expect(text.split('\r\n')[2]).toBe('2,,cnn-small,demo,nt,4,0,completed,90,91,1,-1.2,,,,0.9,0.91,100,0123456789abcdef,nt,0.01');
  });

  it('downloads a self-contained HTML report with the tables and every config', async () => {
    const files = captureDownloads();
    const client = setup({ ids: '1,2' });
    await screen.findByTestId('compare-runs');
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    await waitFor(() => expect(files).toHaveLength(1));
    expect(client.listRuns).toHaveBeenCalledWith({ filter: 'id in (1,2)', limit: 200 });
    expect(files[0].name).toMatch(/^temper-compare-runs-1-2-.*\.html$/);
    const html = await blobText(files[0].blob);
    expect(html).toContain('<title>Temper: comparison of 2 runs</title>');
    expect(html).toContain('&quot;base&quot;: 0.01');
  });

  it('draws a sweep as mean ± std bands per cell', async () => {
    const group: GroupSummary = {
      group: { id: 3, name: 'qat-sweep', sweep: {}, createdAt: 0 },
      cells: [
        { values: { 'quant.bits': 2 }, runIds: [11, 12], completed: 2, final: { mean: 0.8, std: 0.01, n: 2 }, best: { mean: 0.81, std: 0.01, n: 2 } },
        { values: { 'quant.bits': 4 }, runIds: [13, 14], completed: 1, final: { mean: 0.9, std: 0, n: 1 }, best: null },
      ],
    };
    const runs = [11, 12, 13, 14].map((id) => row(id, { bits: id < 13 ? 2 : 4, seed: id % 2 }));
    const client = setup({ group: '3' }, {
      groupSummary: async () => group,
      compareRuns: async () => ({ runs, differing: [{ path: 'quant.bits', values: [2, 2, 4, 4] }, { path: 'seed', values: [1, 0, 1, 0] }] }),
    });
    await screen.findByText('Compare: sweep qat-sweep');
    expect(client.compareRuns).toHaveBeenCalledWith([11, 12, 13, 14]);
    expect((screen.getByRole('checkbox', { name: 'Mean ± std over seeds' }) as HTMLInputElement).checked).toBe(true);
    const top1 = screen.getByTestId('compare-charts').querySelector('figure')!;
    expect(top1.dataset.series).toBe('6');
    expect(screen.getByText('80.00% ± 1.00 (n=2)')).toBeTruthy();
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Mean ± std over seeds' }));
    expect(top1.dataset.series).toBe('4');
  });

  it('points to the Runs table when nothing is selected', async () => {
    setup({});
    expect(await screen.findByText(/Add runs above by id or filter/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Export CSV' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows why a comparison failed', async () => {
    setup({ ids: '1,9' }, { compareRuns: async () => Promise.reject(new Error('no run 9')) });
    expect((await screen.findByRole('alert')).textContent).toBe('no run 9');
  });
});
