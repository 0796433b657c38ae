import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import type { RunRow } from '../../shared/api';
import NewRunView from '../../src-renderer/views/new-run/NewRunView.svelte';
import { fakeClient, runRecord } from './fake-client';

const fpRun: RunRow = {
  ...runRecord({ id: 4, quantizer: 'fp', finalTop1: 0.93 }),
  config: parseTrainConfig({ model: 'cnn-small', quant: { quantizer: 'fp' }, epochs: 1, limitTrain: 256, limitTest: 256 }),
  tags: [],
};

function setup(query: Record<string, string> = {}) {
  const client = fakeClient({
    listDatasets: async () => [{ name: 'demo' } as never, { name: 'fmnist' } as never],
    listRuns: async () => ({ rows: [fpRun], total: 1 }),
    estimateRun: async () => ({ seconds: 95, imagesPerSec: 1200, basis: '2 completed cnn-small runs on wasm' }),
    startRun: async () => ({ id: 5 }),
    startSweep: async () => ({ groupId: 3, runIds: [5, 6] }),
  });
  render(NewRunView, { props: { client, query } });
  return client;
}

const number = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.input(number(label), { target: { value } });

describe('New run form', () => {
  beforeEach(() => {
    location.hash = '#/new';
  });
  afterEach(() => cleanup());

  it('shows a schema error under the field as it is typed, and clears it when fixed', async () => {
    setup();
    await screen.findByRole('option', { name: 'fmnist' });
    await type('Epochs', '0');
    const alert = await screen.findByRole('alert');
    expect(alert.id).toBe('err-epochs');
    expect(number('Epochs').getAttribute('aria-invalid')).toBe('true');
    expect(number('Epochs').getAttribute('aria-describedby')).toBe('err-epochs');
    await type('Epochs', '2');
    expect(screen.queryByRole('alert')).toBeNull();
    await type('Learning rate', '');
    expect((await screen.findByRole('alert')).textContent).toBe('Enter a number');
  });

  it('fills the form from a preset: noise tempering W4A4 from the completed FP run', async () => {
    setup();
    await screen.findByRole('option', { name: /#4 — fp cnn-small on demo, 93.00%/ });
    await fireEvent.click(screen.getByRole('button', { name: 'Noise tempering W4A4' }));
    expect((screen.getByLabelText('Quantizer') as HTMLSelectElement).value).toBe('nt');
    expect(number('Bits').value).toBe('4');
    expect(number('Learning rate').value).toBe('0.01');
    expect(number('Limit train images').value).toBe('256');
    expect((screen.getByLabelText('Initialize from') as HTMLSelectElement).selectedOptions[0].textContent).toMatch(/^#4/);
    expect(screen.getByRole('button', { name: 'Noise tempering W4A4' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('starts the run it shows, then goes to the runs table', async () => {
    const client = setup();
    await screen.findByRole('option', { name: 'fmnist' });
    await fireEvent.click(screen.getByRole('button', { name: 'Full-precision baseline' }));
    await type('Epochs', '1');
    await type('Limit train images', '256');
    await type('Limit test images', '256');
    await fireEvent.input(screen.getByLabelText('Run name (optional)'), { target: { value: 'baseline' } });
    expect(screen.getByTestId('config-json').textContent).toContain('"limitTrain": 256');
    await fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(location.hash).toBe('#/runs'));
    expect(client.startRun).toHaveBeenCalledWith({
      dataset: 'demo',
      name: 'baseline',
      config: { model: 'cnn-small', quant: { quantizer: 'fp' }, epochs: 1, batchSize: 128, lr: { base: 0.1 }, seed: 0, limitTrain: 256, limitTest: 256 },
    });
  });

  it('does not start an invalid form', async () => {
    const client = setup();
    await screen.findByRole('option', { name: 'fmnist' });
    await type('Batch size', '0');
    await fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('Fix the fields marked in red first.');
    expect(client.startRun).not.toHaveBeenCalled();
  });

  it('shows the run time estimate of a valid form', async () => {
    setup();
    await screen.findByText('1 min 35 s', {}, { timeout: 2000 });
    expect(screen.getByText(/1,200 images\/s · 2 completed cnn-small runs on wasm/)).toBeTruthy();
  });

  it('starts the quantizer × bits × seeds sweep as one sweep request of 18 runs', async () => {
    const client = setup();
    await screen.findByRole('option', { name: /#4/ });
    await fireEvent.click(screen.getByRole('button', { name: 'Sweep: quantizer × bits × 3 seeds' }));
    const start = screen.getByRole('button', { name: 'Start sweep (18 runs)' });
    await fireEvent.click(start);
    await waitFor(() => expect(location.hash).toBe('#/runs?filter=group%20%3D%203'));
    expect(client.startSweep).toHaveBeenCalledWith(
      expect.objectContaining({
        dataset: 'demo',
        initFrom: 4,
        sweep: { 'quant.quantizer': ['lsq', 'nt'], 'quant.bits': [2, 3, 4], seed: [0, 1, 2] },
      }),
    );
  });

  it('"New run from this run" on a full-precision run quantizes it with noise tempering W4A4', async () => {
    setup({ from: '4' });
    await waitFor(() => expect((screen.getByLabelText('Initialize from') as HTMLSelectElement).value).not.toBe(''));
    expect((screen.getByLabelText('Initialize from') as HTMLSelectElement).selectedOptions[0].textContent).toMatch(/^#4/);
    expect((screen.getByLabelText('Quantizer') as HTMLSelectElement).value).toBe('nt');
    expect(number('Epochs').value).toBe('1');
  });

  it("shows the server's refusal", async () => {
    const client = setup();
    (client.startRun as unknown as { mockRejectedValue(e: Error): void }).mockRejectedValue(new Error('model resnet18 needs 3 channels'));
    await screen.findByRole('option', { name: 'fmnist' });
    await fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    const form = screen.getByRole('button', { name: 'Start run' }).closest('form')!;
    expect((await within(form).findByRole('alert')).textContent).toBe('model resnet18 needs 3 channels');
  });
});
