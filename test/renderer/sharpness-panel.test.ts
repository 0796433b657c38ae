import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SharpnessRecord } from '../../shared/records';
import SharpnessPanel from '../../src-renderer/views/run-detail/SharpnessPanel.svelte';
import { fakeClient, stubCanvas } from './fake-client';
import { landscape, sharpnessRecord } from './sharpness-records';

function setup(first: SharpnessRecord[], extra = {}) {
  let current = first;
  const client = fakeClient({ sharpnessOf: async () => current, ...extra });
  render(SharpnessPanel, { props: { client, runId: 5 } });
  return { client, set: (records: SharpnessRecord[]) => (current = records) };
}

describe('Sharpness panel', () => {
  beforeEach(() => stubCanvas());
  afterEach(() => cleanup());

  it('computes sharpness with the chosen measures, images, probes and seed, then lists the new job', async () => {
    const { client, set } = setup([], { computeSharpness: async () => ({ id: 7 }) });
    expect(await screen.findByText('No sharpness results yet.')).toBeTruthy();
    expect((screen.getByLabelText('Images') as HTMLInputElement).value).toBe('1024');
    expect((screen.getByLabelText('Probes') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Seed') as HTMLInputElement).value).toBe('0');
    expect(screen.getByText(/runs on the trainer pool/)).toBeTruthy();
    await fireEvent.click(screen.getByLabelText('Perturbation'));
    await fireEvent.click(screen.getByLabelText('Loss landscape'));
    await fireEvent.input(screen.getByLabelText('Images'), { target: { value: '256' } });
    await fireEvent.input(screen.getByLabelText('Probes'), { target: { value: '40' } });
    await fireEvent.input(screen.getByLabelText('Seed'), { target: { value: '3' } });
    expect((screen.getByLabelText(/^Images from/) as HTMLSelectElement).value).toBe('train');
    await fireEvent.change(screen.getByLabelText(/^Images from/), { target: { value: 'heldout' } });
    set([sharpnessRecord({ id: 7, runId: 5, status: 'running', finishedAt: null })]);
    await fireEvent.click(screen.getByRole('button', { name: 'Compute sharpness' }));
    await waitFor(() => expect(client.computeSharpness).toHaveBeenCalledWith(5, { measures: ['trace', 'eigen'], images: 256, seed: 3, source: 'heldout', trace: { maxIterations: 40, minIterations: 40 } }));
    // Nothing else runs: the job is starting, not waiting for a worker.
    expect(await screen.findByText(/loading the backend, the images and the weights/)).toBeTruthy();
    expect(screen.queryByText(/Waiting for a trainer worker/)).toBeNull();
    expect(client.sharpnessOf).toHaveBeenCalledTimes(2);
  });

  it('says what is wrong with the form instead of starting a job', async () => {
    const { client } = setup([], { computeSharpness: async () => ({ id: 7 }) });
    await screen.findByText('No sharpness results yet.');
    for (const label of ['Hessian trace', 'Top eigenvalue', 'Perturbation', 'Loss landscape']) await fireEvent.click(screen.getByLabelText(label));
    await fireEvent.click(screen.getByRole('button', { name: 'Compute sharpness' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Choose at least one measure.');
    await fireEvent.click(screen.getByLabelText('Hessian trace'));
    // Out-of-range numbers are stopped by the inputs' own min and step; an empty field reaches the check.
    await fireEvent.input(screen.getByLabelText('Images'), { target: { value: '' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Compute sharpness' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Images must be a whole number of at least 1.'));
    expect(client.computeSharpness).not.toHaveBeenCalled();
  });

  it("shows the running job's progress from its events, cancels it, and refreshes when it ends", async () => {
    const { client, set } = setup([sharpnessRecord({ id: 7, runId: 5, status: 'running', finishedAt: null })], { cancelSharpness: async () => undefined });
    // Before its first progress event: starting, unless the app says it waits behind other jobs for a worker.
    await screen.findByText(/loading the backend/);
    const shown = () => screen.getByTestId('sharpness-results').querySelector('[data-status]')!.textContent;
    expect(shown()).toBe('starting');
    client.emit({ type: 'sharpness-status', id: 7, runId: 5, status: 'running', error: null, waiting: true });
    expect(await screen.findByText(/Waiting for a trainer worker/)).toBeTruthy();
    expect(shown()).toBe('queued');
    client.emit({ type: 'sharpness-status', id: 7, runId: 5, status: 'running', error: null, waiting: false });
    await waitFor(() => expect(shown()).toBe('starting'));
    client.emit({ type: 'sharpness-progress', id: 7, runId: 5, done: 12, total: 100, what: 'trace', unitDone: 12, unitTotal: 200 });
    client.emit({ type: 'sharpness-progress', id: 9, runId: 6, done: 99, total: 100, what: 'eigen', unitDone: 49, unitTotal: 50 });
    expect(await screen.findByText('Hessian trace: Hutchinson probe 12 of at most 200')).toBeTruthy();
    expect(screen.getByTestId('sharpness-results').querySelector('[data-status]')!.textContent).toBe('running');
    expect(screen.getByRole('progressbar', { name: 'Sharpness #7 progress: 12%' })).toBeTruthy();
    expect(screen.queryByText(/99\/100/)).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(client.cancelSharpness).toHaveBeenCalledWith(7);

    set([sharpnessRecord({ id: 7, runId: 5, status: 'cancelled', result: { trace: { value: 40, stderr: 2, iterations: 12, hvp: 'exact' }, images: 1024, seconds: 3 } })]);
    client.emit({ type: 'sharpness-status', id: 7, runId: 5, status: 'cancelled', error: null });
    expect(await screen.findByText('cancelled')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.getByText('40.00 ± 2.000 (12 probes, exact)')).toBeTruthy();
  });

  it('lists the results newest first with formatted numbers, their parameters, and why a job failed', async () => {
    setup([
      sharpnessRecord({
        id: 9,
        runId: 5,
        result: {
          trace: { value: 412.34, stderr: 8.1, iterations: 37, hvp: 'central-difference' },
          eigen: { value: 56.78, iterations: 50, converged: false, hvp: 'central-difference' },
          hvpFallback: 'webgpu: Cannot find registered kernel',
          perturb: { mean: 0.0123, max: 0.0456, base: 0.4321, radius: 0.05, directions: 10 },
          images: 1024,
          seconds: 42.4,
          source: { kind: 'train', pool: 2000, description: "the run's own training images (its training subset: 2000 images, 0123456789abcdef)" },
        },
      }),
      sharpnessRecord({ id: 8, runId: 5, status: 'failed', error: 'computeSharpness: the quantizers of conv1 have no step size yet' }),
    ]);
    const table = await screen.findByTestId('sharpness-results');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0].textContent).toMatch(/^#9 /);
    const cells = within(rows[0]).getAllByRole('cell').map((c) => c.textContent!.trim());
    expect(cells.slice(1, 7)).toEqual([
      'completed',
      '412.3 ± 8.100 (37 probes, central differences)',
      '56.78 (50 iterations, not converged, central differences)',
      'mean +0.01230, max +0.04560 at ρ = 0.05 (10 directions) base loss 0.4321',
      '1,024 own training images',
      '42 s',
    ]);
    expect(within(rows[0]).getByText('Parameters').closest('details')!.open).toBe(false);
    expect(within(rows[0]).getByText(/"images": 1024/)).toBeTruthy();
    expect(rows[1].textContent).toMatch(/#9: central-difference Hessian-vector products, exact ones were not available \(webgpu: Cannot find registered kernel\)/);
    expect(rows[2].textContent).toMatch(/^#8 .*failed/);
    expect(screen.getByRole('alert').textContent).toBe('Sharpness #8 failed: computeSharpness: the quantizers of conv1 have no step size yet');
  });

  it('draws loss and top-1 against α from the newest result that has a landscape', async () => {
    const curve = landscape();
    curve.loss[0] = NaN;
    setup([
      sharpnessRecord({ id: 9, runId: 5, result: { trace: { value: 1, stderr: 0.1, iterations: 10 }, images: 64, seconds: 1 } }),
      sharpnessRecord({ id: 8, runId: 5, result: { landscape: curve, images: 64, seconds: 2 } }),
      sharpnessRecord({ id: 6, runId: 5, result: { landscape: landscape(), images: 64, seconds: 2 } }),
    ]);
    expect(await screen.findByRole('heading', { name: 'Loss landscape of result #8' })).toBeTruthy();
    const figures = [...document.querySelectorAll('figure')].map((f) => [f.querySelector('figcaption')!.textContent, f.dataset.points]);
    expect(figures).toEqual([
      ['Loss vs α', '4'],
      ['Top-1 vs α', '5'],
    ]);
  });

  it('shows why the results could not be read', async () => {
    const client = fakeClient({ sharpnessOf: async () => Promise.reject(new Error('no run 5')) });
    render(SharpnessPanel, { props: { client, runId: 5 } });
    expect((await screen.findByRole('alert')).textContent).toBe('no run 5');
  });
});
