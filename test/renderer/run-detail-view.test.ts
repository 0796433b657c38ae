import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail } from '../../shared/api';
import type { RunCurves, RunEvent } from '../../shared/records';
import RunDetailView from '../../src-renderer/views/run-detail/RunDetailView.svelte';
import { fakeClient, runRecord, stubCanvas } from './fake-client';

const curves: RunCurves = {
  runId: 5, epoch: [1], step: [10], trainLoss: [0.9], trainTop1: [0.6], testLoss: [0.8], testTop1: [0.7], testTop5: [0.9], valLoss: [0.85], valTop1: [0.68],
  lr: [0.01], lambda: [0.5], seconds: [3.2], imagesPerSec: [800], wallSeconds: [40],
};

function detail(patch: Parameters<typeof runRecord>[0], events: RunEvent[] = []): RunDetail {
  return { run: runRecord(patch), tags: ['w4'], notes: [], checkpoints: [], parent: runRecord({ id: 4, finalTop1: 0.92 }), group: null, events, cluster: null };
}

const T0 = 1_700_000_005_000;
/** Cancelled at step 14 in epoch 2, resumed from epoch 1's checkpoint (step 10), completed. */
const history: RunEvent[] = [
  { kind: 'created', at: T0 - 1000, epoch: 0, step: 0, detail: null },
  { kind: 'started', at: T0, epoch: 0, step: 0, detail: null },
  { kind: 'cancel-requested', at: T0 + 20_000, epoch: 1, step: 14, detail: null },
  { kind: 'cancelled', at: T0 + 21_000, epoch: 1, step: 14, detail: null },
  { kind: 'resumed', at: T0 + 600_000, epoch: 1, step: 10, detail: null },
  { kind: 'completed', at: T0 + 640_000, epoch: 1, step: 10, detail: null },
];

function setup(first: RunDetail, extra = {}) {
  let current = first;
  const client = fakeClient({
    getRun: async () => current,
    runCurves: async () => [curves],
    layerStats: async () => [
      { epoch: 1, layer: 'conv1', weightStep: 0.02, weightMeanAbsError: 0.24, weightClipFraction: 0.01, inputStep: 0.1, inputMeanAbsError: 0.25, inputClipFraction: 0, lambda: 0.5 },
    ],
    stepMetrics: async () => [{ step: 10, loss: 0.9, lr: 0.01, lambda: 0.5, imagesPerSec: 800 }],
    sharpnessOf: async () => [],
    ...extra,
  });
  render(RunDetailView, { props: { client, id: 5 } });
  return { client, set: (d: RunDetail) => (current = d) };
}

describe('Run detail', () => {
  beforeEach(() => {
    stubCanvas();
    location.hash = '#/runs/5';
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('shows the run, its parent and signed Δ top-1 vs parent, backend and device, curves, layer stats and a log', async () => {
    const { client } = setup(detail({ id: 5, quantizer: 'nt', bits: 4, parentId: 4, deltaVsParent: -0.02, device: 'Intel Xeon (16 threads)', status: 'completed' }));
    expect(await screen.findByRole('heading', { name: '#5' })).toBeTruthy();
    // Every logged step, not a thinned copy: the chart decimates only for drawing.
    expect(client.stepMetrics).toHaveBeenCalledWith(5, 100_000);
    // Time trained is the epochs' own time, apart from the wall time (the fixture's run took 60 s).
    expect((await screen.findByTestId('duration')).textContent).toBe('trained 3 s · wall 1 min 0 s');
    expect(screen.getByText('nt W4A4')).toBeTruthy();
    expect(screen.getByText('−2.00 pt')).toBeTruthy();
    expect(screen.getByText('Intel Xeon (16 threads)')).toBeTruthy();
    expect(screen.getByText('Temper λ')).toBeTruthy();
    expect(screen.getByText('conv1')).toBeTruthy();
    expect(screen.getByText(/epoch 1\/1: train loss 0\.9000, test loss 0\.8000, test top-1 70\.00% \(3\.2 s\)/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Compare with parent' }).getAttribute('href')).toBe('#/compare?ids=4,5');
    expect(screen.getByRole('heading', { name: 'Sharpness' })).toBeTruthy();
    expect(await screen.findByText('No sharpness results yet.')).toBeTruthy();
  });

  it('shows the best top-1 with its best-validation epoch, or why a run has none', async () => {
    setup(detail({ id: 5, status: 'completed', bestTop1: 0.655, bestEpoch: 3, bestUnavailable: null }));
    expect((await screen.findByTestId('best-top1')).textContent!.trim()).toBe('65.50% (epoch 3, best validation)');
    cleanup();
    setup(detail({ id: 5, status: 'completed', bestTop1: null, bestEpoch: null, bestUnavailable: 'no validation split' }));
    expect((await screen.findByTestId('best-top1')).textContent!.trim()).toBe('unavailable: no validation split');
  });

  it('lists cancel and resume in the log, between the epochs, and marks them on the curves', async () => {
    setup(detail({ id: 5, status: 'completed', startedAt: T0, finishedAt: T0 + 640_000 }, history));
    expect((await screen.findByTestId('duration')).textContent).toBe('trained 3 s · wall 10 min 40 s');
    const texts = [...document.querySelectorAll('.log li')].map((li) => li.textContent!.slice(li.querySelector('.time')!.textContent!.length).trim());
    expect(texts).toEqual([
      'queued (1 epochs)',
      'started on wasm',
      'epoch 1/1: train loss 0.9000, test loss 0.8000, test top-1 70.00% (3.2 s)',
      'cancel requested (epoch 1/1, step 14)',
      'cancelled at epoch 1/1, step 14',
      'resumed after epoch 1/1, from its checkpoint (step 10)',
      'completed (epoch 1/1, step 10)',
    ]);
    const markers = (title: string) => screen.getByText(title).closest('figure')!.getAttribute('data-markers');
    // Four steps into the epoch after epoch 1 (10 steps each).
    expect(markers('Loss')).toBe('cancelled@1.4 resumed@1');
    expect(markers('Training loss by step')).toBe('cancelled@14 resumed@10');
    expect(markers('Learning rate')).toBe('cancelled@14 resumed@10');
  });

  it('counts epochs from 1 as the header does, and marks a cancel in epoch 1 and the resume from step 0 on every chart', async () => {
    // Two epochs of 30 steps: cancelled at step 10 of epoch 1, resumed from the start, completed.
    const events: RunEvent[] = [
      { kind: 'created', at: T0 - 1000, epoch: 0, step: 0, detail: null },
      { kind: 'started', at: T0, epoch: 0, step: 0, detail: null },
      { kind: 'cancel-requested', at: T0 + 5000, epoch: 0, step: 10, detail: null },
      { kind: 'cancelled', at: T0 + 6000, epoch: 0, step: 10, detail: null },
      { kind: 'resumed', at: T0 + 60_000, epoch: 0, step: 0, detail: null },
      { kind: 'completed', at: T0 + 90_000, epoch: 2, step: 60, detail: null },
    ];
    const two = { ...curves, epoch: [1, 2], step: [30, 60], trainLoss: [0.9, 0.8], trainTop1: [0.6, 0.7], testLoss: [0.8, 0.7], testTop1: [0.7, 0.75], testTop5: [0.9, 0.9], lr: [0.01, 0.01], lambda: [0.5, 0.2], seconds: [3, 3], imagesPerSec: [800, 800], wallSeconds: [70, 80] };
    setup(detail({ id: 5, status: 'completed', epochsDone: 2, epochsTotal: 2, startedAt: T0, finishedAt: T0 + 90_000 }, events), { runCurves: async () => [two] });
    await screen.findByText('completed (epoch 2/2, step 60)');
    expect(screen.getByText('cancel requested (epoch 1/2, step 10)')).toBeTruthy();
    expect(screen.getByText('cancelled at epoch 1/2, step 10')).toBeTruthy();
    expect(screen.getByText('resumed from the start of epoch 1 (step 0)')).toBeTruthy();
    const markers = (title: string) => screen.getByText(title).closest('figure')!.getAttribute('data-markers');
    // On epoch charts point k is the end of epoch k: step 10 of 30 is a third into epoch 1.
    expect(markers('Loss')).toBe(`cancelled@${1 / 3} resumed@0`);
    expect(markers('Top-1 accuracy')).toBe(`cancelled@${1 / 3} resumed@0`);
    expect(markers('Training loss by step')).toBe('cancelled@10 resumed@0');
  });

  it('counts the time trained so far during the first epoch, not 0 s', async () => {
    const startedAt = Date.now() - 20_000;
    const empty: RunCurves = { ...curves, epoch: [], step: [], trainLoss: [], trainTop1: [], testLoss: [], testTop1: [], testTop5: [], lr: [], lambda: [], seconds: [], imagesPerSec: [], wallSeconds: [] };
    const started: RunEvent[] = [{ kind: 'started', at: startedAt, epoch: 0, step: 0, detail: null }];
    setup(detail({ id: 5, status: 'running', epochsDone: 0, epochsTotal: 2, startedAt, finishedAt: null }, started), { runCurves: async () => [empty] });
    expect((await screen.findByTestId('duration')).textContent).toMatch(/^trained 2\d s · wall 2\d s$/);
  });

  it('cancels a running run and follows its status live', async () => {
    const { client, set } = setup(detail({ id: 5, status: 'running', epochsDone: 0, epochsTotal: 1 }), {
      cancelRun: async () => ({ id: 5, status: 'cancelled' }),
    });
    await fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(client.cancelRun).toHaveBeenCalledWith(5);
    set(detail({ id: 5, status: 'cancelled', error: null }));
    client.emit({ type: 'run-status', id: 5, status: 'cancelled', error: null });
    expect(await screen.findByRole('button', { name: 'Resume' }, { timeout: 2000 })).toBeTruthy();
  });

  it('resumes an interrupted run', async () => {
    const { client } = setup(detail({ id: 5, status: 'interrupted' }), { resumeRun: async () => ({ id: 5 }) });
    await fireEvent.click(await screen.findByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(client.resumeRun).toHaveBeenCalledWith(5));
  });

  it('shows the error of a failed run', async () => {
    setup(detail({ id: 5, status: 'failed', error: 'Training diverged at epoch 1, step 3: the loss is NaN (lr 0.1); try a lower learning rate' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Failed: Training diverged/);
    expect(screen.queryByRole('heading', { name: 'Sharpness' })).toBeNull();
  });

  it('exports a completed run and shows where; Reveal only in Electron', async () => {
    const revealPath = vi.fn();
    window.temperNative = { revealPath };
    const { client } = setup(detail({ id: 5 }), { exportRun: async () => ({ dir: '/home/u/.temper/runs/5/export' }) });
    window.temper = client;
    await fireEvent.click(await screen.findByRole('button', { name: 'Export' }));
    expect(await screen.findByText('/home/u/.temper/runs/5/export')).toBeTruthy();
    expect(client.exportRun).toHaveBeenCalledWith(5);
    await fireEvent.click(screen.getByRole('button', { name: 'Reveal' }));
    expect(revealPath).toHaveBeenCalledWith('/home/u/.temper/runs/5/export');
    delete window.temperNative;
    delete window.temper;
  });

  it('exports a completed run as ONNX into its folder in Electron', async () => {
    const { client } = setup(detail({ id: 5 }), { exportRun: async () => ({ dir: '/home/u/.temper/runs/5/model.onnx' }) });
    window.temper = client;
    await fireEvent.click(await screen.findByRole('button', { name: 'Export ONNX' }));
    expect(await screen.findByText('/home/u/.temper/runs/5/model.onnx')).toBeTruthy();
    expect(client.exportRun).toHaveBeenCalledWith(5, null, 'onnx');
    delete window.temper;
  });

  it('in web mode, downloads the export as the zip the server streams, or shows why it cannot', async () => {
    const saved: string[] = [];
    URL.createObjectURL = () => 'blob:zip';
    URL.revokeObjectURL = () => undefined;
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    const zip = new Response(new Uint8Array([0x50, 0x4b, 5, 6]), {
      headers: { 'Content-Disposition': 'attachment; filename="temper-run-5-export.zip"', 'X-Temper-Export': encodeURIComponent('/srv/temper/runs/5/export') },
    });
    const fetchMock = vi.fn(async () => zip);
    vi.stubGlobal('fetch', fetchMock);
    setup(detail({ id: 5 }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Export' }));
    expect(await screen.findByText('temper-run-5-export.zip')).toBeTruthy();
    expect(screen.getByText('/srv/temper/runs/5/export')).toBeTruthy();
    expect(fetchMock.mock.calls[0][0]).toBe('/api/export.zip?run=5&format=temper');
    expect(saved).toEqual(['temper-run-5-export.zip']);
    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ error: 'run 5 is running; only a completed run can be exported' }), { status: 422 }));
    await fireEvent.click(screen.getByRole('button', { name: 'Export ONNX' }));
    expect((await screen.findByRole('alert')).textContent).toBe('run 5 is running; only a completed run can be exported');
    expect(fetchMock.mock.calls[1][0]).toBe('/api/export.zip?run=5&format=onnx');
    click.mockRestore();
    vi.unstubAllGlobals();
  });

  it('adds a tag', async () => {
    const { client } = setup(detail({ id: 5 }), { tagRun: async () => ['w4', 'keep'] });
    await screen.findByRole('heading', { name: '#5' });
    await fireEvent.input(screen.getByLabelText('New tag'), { target: { value: 'keep' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add tag' }));
    expect(await screen.findByRole('link', { name: 'keep' })).toBeTruthy();
    expect(client.tagRun).toHaveBeenCalledWith(5, 'keep');
  });
});
