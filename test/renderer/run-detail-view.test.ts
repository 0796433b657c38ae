import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail } from '../../shared/api';
import type { RunCurves } from '../../shared/records';
import RunDetailView from '../../src-renderer/views/run-detail/RunDetailView.svelte';
import { fakeClient, runRecord, stubCanvas } from './fake-client';

const curves: RunCurves = {
  runId: 5, epoch: [1], step: [10], trainLoss: [0.9], trainTop1: [0.6], testLoss: [0.8], testTop1: [0.7], testTop5: [0.9],
  lr: [0.01], lambda: [0.5], seconds: [3.2], imagesPerSec: [800],
};

function detail(patch: Parameters<typeof runRecord>[0]): RunDetail {
  return { run: runRecord(patch), tags: ['w4'], notes: [], checkpoints: [], parent: runRecord({ id: 4, finalTop1: 0.92 }), group: null, cluster: null };
}

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
    const { client } = setup(detail({ id: 5, quantizer: 'nt', bits: 4, parentId: 4, dropVsParent: 0.02, device: 'Intel Xeon (16 threads)', status: 'completed' }));
    expect(await screen.findByRole('heading', { name: '#5' })).toBeTruthy();
    // Every logged step, not a thinned copy: the chart decimates only for drawing.
    expect(client.stepMetrics).toHaveBeenCalledWith(5, 100_000);
    // Time trained is the epochs' own time, apart from the wall time.
    expect((await screen.findByTestId('time-trained')).textContent).toBe('3 s');
    expect(screen.getByText('Wall time')).toBeTruthy();
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
    await fireEvent.click(await screen.findByRole('button', { name: 'Export' }));
    expect(await screen.findByText('/home/u/.temper/runs/5/export')).toBeTruthy();
    expect(client.exportRun).toHaveBeenCalledWith(5);
    await fireEvent.click(screen.getByRole('button', { name: 'Reveal' }));
    expect(revealPath).toHaveBeenCalledWith('/home/u/.temper/runs/5/export');
    delete window.temperNative;
  });

  it('exports a completed run as ONNX into its folder', async () => {
    const { client } = setup(detail({ id: 5 }), { exportRun: async () => ({ dir: '/home/u/.temper/runs/5/model.onnx' }) });
    await fireEvent.click(await screen.findByRole('button', { name: 'Export ONNX' }));
    expect(await screen.findByText('/home/u/.temper/runs/5/model.onnx')).toBeTruthy();
    expect(client.exportRun).toHaveBeenCalledWith(5, null, 'onnx');
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
