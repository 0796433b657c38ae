import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CompareRow, Comparison } from '../../shared/api';
import type { RunCurves, SharpnessRecord } from '../../shared/records';
import CompareView from '../../src-renderer/views/compare/CompareView.svelte';
import { drawableCanvas } from './fake-canvas';
import { fakeClient } from './fake-client';
import { landscape, sharpnessRecord } from './sharpness-records';

const row = (id: number, patch: Partial<CompareRow> = {}): CompareRow => ({
  id, name: null, model: 'cnn-small', dataset: 'demo', quantizer: 'nt', bits: 4, seed: 0, status: 'completed',
  finalTop1: 0.9, bestTop1: 0.91, bestUnavailable: null, parentId: null, deltaVsParent: null, sharpness: null, ...patch,
});

const curves = (runId: number): RunCurves => {
  const z = [0.1, 0.2];
  return { runId, epoch: [1, 2], step: z, trainLoss: z, trainTop1: z, testLoss: z, testTop1: z, testTop5: z, lr: z, lambda: z, seconds: z, imagesPerSec: z };
};

const withLandscape = (id: number, runId: number): SharpnessRecord => sharpnessRecord({ id, runId, result: { landscape: landscape(0.1 * runId), images: 64, seconds: 1 } });

/** The text downloadText handed the browser (jsdom's Blob has no text()). */
function captureDownload(): Promise<string> {
  return new Promise((resolve) => {
    URL.createObjectURL = vi.fn((blob: Blob) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(blob);
      return 'blob:temper/1';
    });
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
  });
}

function setup(comparison: Comparison, sharpness: Record<number, SharpnessRecord[]>) {
  const client = fakeClient({
    compareRuns: async () => comparison,
    runCurves: async (ids) => ids.map(curves),
    listGroups: async () => [],
    listRuns: async () => ({ rows: [], total: 0 }),
    sharpnessOf: async (runId) => sharpness[runId] ?? [],
  });
  render(CompareView, { props: { client, query: { ids: comparison.runs.map((r) => r.id).join(',') }, appVersion: '0.1.0' } });
  return client;
}

describe('Compare view: sharpness', () => {
  beforeEach(() => {
    drawableCanvas();
    location.hash = '#/compare';
  });
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it("overlays each completed run's newest loss landscape and skips runs without one", async () => {
    const runs = [row(1), row(2), row(3, { status: 'running' }), row(4)];
    const client = setup({ runs, differing: [] }, { 1: [sharpnessRecord({ id: 12, runId: 1 }), withLandscape(11, 1)], 2: [withLandscape(13, 2)] });
    const chart = (await screen.findByTestId('compare-landscape')).querySelector('figure')!;
    expect(client.sharpnessOf).toHaveBeenCalledTimes(3);
    expect((client.sharpnessOf as ReturnType<typeof vi.fn>).mock.calls.map((c) => c[0])).toEqual([1, 2, 4]);
    expect([chart.querySelector('figcaption')!.textContent, chart.dataset.series, chart.dataset.points]).toEqual(['Loss landscape (1-D)', '2', '10']);
    expect(screen.queryByText(/No loss landscape yet/)).toBeNull();
  });

  it('says where to compute one when no compared run has a landscape', async () => {
    setup({ runs: [row(1), row(2)], differing: [] }, { 1: [sharpnessRecord({ id: 3, runId: 1, result: { trace: { value: 5, stderr: 1, iterations: 10 }, images: 64, seconds: 1 } })] });
    expect(await screen.findByText("No loss landscape yet: compute sharpness on a run's page.")).toBeTruthy();
    expect(screen.queryByTestId('compare-landscape')).toBeNull();
  });

  it('shows the sharpness of each run side by side in the runs table', async () => {
    const runs = [row(1, { sharpness: { trace: 412.34, eigen: 56.78, perturb: 0.0123 } }), row(2)];
    setup({ runs, differing: [] }, {});
    const table = await screen.findByTestId('compare-runs');
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers.slice(-3)).toEqual(['Hessian trace', 'Top eigenvalue', 'Perturbation']);
    const cells = within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').slice(-3).map((c) => c.textContent));
    expect(cells).toEqual([
      ['412.3', '56.78', '0.01230'],
      ['—', '—', '—'],
    ]);
  });

  it('reloads the comparison and the landscapes when a sharpness job of a compared run ends', async () => {
    const sharpness: Record<number, SharpnessRecord[]> = {};
    const client = setup({ runs: [row(1), row(2)], differing: [] }, sharpness);
    await screen.findByText(/No loss landscape yet/);
    sharpness[2] = [withLandscape(5, 2)];
    client.emit({ type: 'sharpness-status', id: 5, runId: 2, status: 'running', error: null });
    client.emit({ type: 'sharpness-status', id: 9, runId: 8, status: 'completed', error: null });
    expect(client.compareRuns).toHaveBeenCalledTimes(1);
    client.emit({ type: 'sharpness-status', id: 5, runId: 2, status: 'completed', error: null });
    expect(await screen.findByTestId('compare-landscape')).toBeTruthy();
    expect(client.compareRuns).toHaveBeenCalledTimes(2);
  });

  it('puts the landscape chart in the exported report when there is one', async () => {
    const html = captureDownload();
    setup({ runs: [row(1), row(2)], differing: [] }, { 2: [withLandscape(5, 2)] });
    await screen.findByTestId('compare-landscape');
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    const page = await html;
    expect(page).toContain('alt="Loss landscape (1-D)"');
    expect(page).toContain('alt="Test top-1"');
  });

  it('leaves the landscape out of the report when no run has one', async () => {
    const html = captureDownload();
    setup({ runs: [row(1)], differing: [] }, {});
    await screen.findByText(/No loss landscape yet/);
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    const page = await html;
    expect(page).toContain('alt="Test loss"');
    expect(page).not.toContain('Loss landscape');
  });

  it('names a run whose sharpness results could not be read', async () => {
    const client = fakeClient({
      compareRuns: async () => ({ runs: [row(1), row(2)], differing: [] }),
      runCurves: async (ids) => ids.map(curves),
      listGroups: async () => [],
      sharpnessOf: async (runId) => (runId === 2 ? Promise.reject(new Error('database is locked')) : [withLandscape(3, 1)]),
    });
    render(CompareView, { props: { client, query: { ids: '1,2' }, appVersion: null } });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Could not read the sharpness results of #2: database is locked'));
    expect(screen.getByTestId('compare-landscape').querySelector('figure')!.dataset.series).toBe('1');
  });
});
