import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { Chart } from 'chart.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CompareRow, RunRow } from '../../shared/api';
import type { RunCurves } from '../../shared/records';
import { smooth } from '../../src-renderer/lib/series';
import CompareView from '../../src-renderer/views/compare/CompareView.svelte';
import { drawableCanvas } from './fake-canvas';
import { fakeClient } from './fake-client';

const row = (id: number, patch: Partial<CompareRow> = {}): CompareRow => ({
  id, name: null, model: 'cnn-small', dataset: 'demo', quantizer: 'lsq', bits: 4, seed: id, status: 'completed',
  finalTop1: 0.9, bestTop1: 0.91, bestUnavailable: null, parentId: null, deltaVsParent: null, sharpness: null, ...patch,
});

/** Three epochs of 50 steps; run 2 was cancelled and resumed ten minutes later, which its wall time shows. */
const curves = (runId: number): RunCurves => ({
  runId, epoch: [1, 2, 3], step: [50, 100, 150], trainLoss: [1.5, 0.9, 0.6], trainTop1: [0.5, 0.7, 0.8], testLoss: [1.2, 0.8, 0.7],
  testTop1: [0.6, 0.75, 0.8], testTop5: [0.9, 0.95, 0.97], valLoss: [1, 0.8, 0.7], valTop1: [0.58, 0.74, 0.79], lr: [0.1, 0.05, 0.01], lambda: [0, 0, 0], seconds: [30, 30, 30],
  imagesPerSec: [500, 510, 505], wallSeconds: runId === 2 ? [36, 672, 708] : [36, 72, 108],
});

const RUNS = new Map([1, 2, 3, 4].map((id) => [id, row(id)]));

function setup(ids: string) {
  location.hash = `#/compare?ids=${ids}`;
  const client = fakeClient({
    compareRuns: async (list) => ({ runs: list.map((id) => RUNS.get(id)!), differing: [{ path: 'seed', values: list }] }),
    runCurves: async (list) => list.map(curves),
    listGroups: async () => [],
    sharpnessOf: async () => [],
    listRuns: async (query) => {
      const match = /^id in \(([\d,]+)\)$/.exec(query.filter ?? '');
      const found = match ? match[1].split(',').map(Number).filter((id) => RUNS.has(id)) : query.filter === 'seed = 3' ? [3] : [];
      return { rows: found.map((id) => ({ id }) as RunRow), total: found.length };
    },
  });
  render(CompareView, { props: { client, query: Object.fromEntries(new URLSearchParams(`ids=${ids}`)), appVersion: '0.1.0' } });
  return client;
}

/** The chart.js line of each run in the chart titled `title`: its {x, y} points. */
function chartPoints(title: string): { x: number; y: number }[][] {
  const canvas = screen.getByText(title).closest('figure')!.querySelector('canvas')!;
  return Chart.getChart(canvas)!.data.datasets.map((d) => d.data as { x: number; y: number }[]);
}

describe('Compare curves', () => {
  beforeEach(() => drawableCanvas());
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it('draws test top-1, test and train loss and lr against epoch, step or wall time', async () => {
    setup('1,2');
    await screen.findByTestId('compare-runs');
    expect([...screen.getByTestId('compare-charts').querySelectorAll('figcaption')].map((f) => f.textContent)).toEqual([
      'Test top-1', 'Test loss', 'Train loss', 'Learning rate',
    ]);
    expect(chartPoints('Train loss')[0]).toEqual([{ x: 1, y: 1.5 }, { x: 2, y: 0.9 }, { x: 3, y: 0.6 }]);
    const axis = screen.getByLabelText('x-axis');
    await fireEvent.change(axis, { target: { value: 'step' } });
    expect(chartPoints('Learning rate')[1].map((p) => p.x)).toEqual([50, 100, 150]);
    await fireEvent.change(axis, { target: { value: 'wall' } });
    // Minutes from the first start: run 2's pause between epochs 1 and 2 shows.
    expect(chartPoints('Test top-1').map((line) => line.map((p) => p.x))).toEqual([[0.6, 1.2, 1.8], [0.6, 11.2, 11.8]]);
    const canvas = screen.getByText('Test loss').closest('figure')!.querySelector('canvas')!;
    expect((Chart.getChart(canvas)!.options.scales!.x as { title: { text: string } }).title.text).toBe('wall time (min)');
  });

  it('smooths every curve with a debiased moving average, and draws them raw at 0', async () => {
    setup('1,2');
    await screen.findByTestId('compare-runs');
    const slider = screen.getByLabelText(/Smoothing/);
    await fireEvent.input(slider, { target: { value: '0.6' } });
    const smoothed = chartPoints('Train loss')[0];
    expect(smoothed[0].y).toBeCloseTo(1.5);
    expect(smoothed[1].y).toBeCloseTo((0.6 * 0.4 * 1.5 + 0.4 * 0.9) / (1 - 0.36));
    expect(smoothed[2].y).toBeGreaterThan(0.6);
    await fireEvent.input(slider, { target: { value: '0' } });
    expect(chartPoints('Train loss')[0].map((p) => p.y)).toEqual([1.5, 0.9, 0.6]);
    expect(smooth([{ x: 1, y: 2 }], 0.9)).toEqual([{ x: 1, y: 2 }]);
  });

  it('adds runs from inside Compare by id or by filter, and says which ids do not exist', async () => {
    const client = setup('1,2');
    await screen.findByTestId('compare-runs');
    const input = screen.getByLabelText('Add runs');
    await fireEvent.input(input, { target: { value: '#4, 9' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect((await screen.findByRole('alert')).textContent).toBe('No run #9');
    await fireEvent.input(input, { target: { value: '4 1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(location.hash).toBe('#/compare?ids=1,2,4'));
    await fireEvent.input(input, { target: { value: 'seed = 3' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(location.hash).toBe('#/compare?ids=1,2,3'));
    expect(client.listRuns).toHaveBeenLastCalledWith({ filter: 'seed = 3', sort: 'created_at', order: 'desc', limit: 50 });
  });

  it('downloads every epoch of every run as a metrics CSV', async () => {
    const files: { name: string; blob: Blob }[] = [];
    let last: Blob | null = null;
    URL.createObjectURL = vi.fn((blob: Blob) => ((last = blob), 'blob:temper/1'));
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      files.push({ name: this.download, blob: last! });
    });
    setup('1,2');
    await screen.findByTestId('compare-runs');
    await fireEvent.click(screen.getByRole('button', { name: 'Metrics CSV' }));
    expect(files[0].name).toMatch(/^temper-metrics-runs-1-2-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(files[0].blob);
    });
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('runId,name,quantizer,bits,seed,epoch,step,wallSeconds,trainLoss,trainTop1Fraction,testLoss,testTop1Fraction,testTop5Fraction,lr,lambda,trainSeconds,imagesPerSec');
    expect(lines).toHaveLength(7);
    expect(lines[5]).toBe('2,,lsq,4,2,2,100,672,0.9,0.7,0.8,0.75,0.95,0.05,0,30,510');
  });
});
