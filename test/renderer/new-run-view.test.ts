import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import type { RunRow } from '../../shared/api';
import NewRunView from '../../src-renderer/views/new-run/NewRunView.svelte';
import { fakeClient, runRecord, stubCanvas } from './fake-client';

stubCanvas();

const fpRun: RunRow = {
  ...runRecord({ id: 4, quantizer: 'fp', finalTop1: 0.93 }),
  config: parseTrainConfig({
    model: 'cnn-small', quant: { quantizer: 'fp' }, epochs: 1, limitTrain: 256, limitTest: 256,
    optimizer: { kind: 'adam', beta1: 0.8 }, lr: { kind: 'constant', base: 0.003, warmupEpochs: 0.5 }, labelSmoothing: 0.1, seed: 5,
  }),
  tags: [],
};

function setup(query: Record<string, string> = {}) {
  const client = fakeClient({
    listDatasets: async () => [{ name: 'demo', splits: { train: { count: 1000 } } } as never, { name: 'fmnist', splits: { train: { count: 60000 } } } as never],
    listRuns: async () => ({ rows: [fpRun], total: 1 }),
    estimateRun: async () => ({ seconds: 95, imagesPerSec: 1200, basis: '2 completed cnn-small runs on wasm', range: null }),
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
    expect((screen.getByTestId('config-json') as HTMLTextAreaElement).value).toContain('"limitTrain": 256');
    await fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(location.hash).toBe('#/runs'));
    expect(client.startRun).toHaveBeenCalledWith({
      dataset: 'demo',
      name: 'baseline',
      config: {
        model: 'cnn-small', quant: { quantizer: 'fp' }, epochs: 1, batchSize: 128, microBatch: null,
        optimizer: { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 }, lr: { kind: 'cosine', base: 0.1, warmupEpochs: 0 },
        labelSmoothing: 0, seed: 0, backend: 'auto', limitTrain: 256, limitTest: 256, limitVal: null,
      },
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

  it('shows a range where this machine has not measured the run', async () => {
    const client = fakeClient({
      listDatasets: async () => [{ name: 'demo', splits: { train: { count: 1000 } } } as never],
      listRuns: async () => ({ rows: [], total: 0 }),
      estimateRun: async () => ({ seconds: 60, imagesPerSec: 340, basis: 'no completed cnn-small run on 32×32×3 images here yet', range: [30, 120] }),
    });
    render(NewRunView, { props: { client, query: {} } });
    const estimate = await screen.findByTestId('estimate', {}, { timeout: 2000 });
    expect(estimate.textContent).toMatch(/^\s*Between 30 s and 2 min 0 s/);
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

  it('"New run from this run" on a full-precision run quantizes it with noise tempering W4A4, every other field copied', async () => {
    setup({ from: '4' });
    await waitFor(() => expect((screen.getByLabelText('Initialize from') as HTMLSelectElement).value).not.toBe(''));
    expect((screen.getByLabelText('Initialize from') as HTMLSelectElement).selectedOptions[0].textContent).toMatch(/^#4/);
    expect((screen.getByLabelText('Quantizer') as HTMLSelectElement).value).toBe('nt');
    expect(number('Epochs').value).toBe('1');
    expect((screen.getByLabelText('Optimizer') as HTMLSelectElement).value).toBe('adam');
    expect(number('β1').value).toBe('0.8');
    expect((screen.getByLabelText('LR schedule') as HTMLSelectElement).value).toBe('constant');
    expect(number('Warm-up epochs').value).toBe('0.5');
    expect(number('Label smoothing').value).toBe('0.1');
    expect(number('Seed').value).toBe('5');
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

describe('New run form: every config field', () => {
  beforeEach(() => {
    location.hash = '#/new';
  });
  afterEach(() => cleanup());

  it('shows every field of the schema in its group, the temper schedule among them', async () => {
    setup();
    await screen.findByRole('option', { name: 'fmnist' });
    const group = (name: string) => screen.getByRole('group', { name });
    for (const label of ['λ0', 'τ', 'Noise off at', 'λ updated every']) expect(within(group('Temper schedule')).getByLabelText(label)).toBeTruthy();
    for (const label of ['Optimizer', 'Momentum', 'Nesterov', 'Weight decay', 'LR schedule', 'Learning rate', 'Warm-up epochs', 'LR milestones', 'LR gamma', 'Min LR', 'Label smoothing']) {
      expect(within(group('Optimizer and schedule')).getByLabelText(label)).toBeTruthy();
    }
    for (const label of ['Bits', 'First/last layer bits', 'Noise law']) expect(within(group('Quantization')).getByLabelText(label)).toBeTruthy();
    for (const label of ['Seed', 'Backend', 'Step size floor']) expect(within(group('Advanced')).getByLabelText(label)).toBeTruthy();
    // An fp run ignores the temper schedule: disabled, and it says why.
    expect(number('λ0').disabled).toBe(true);
    expect(screen.getAllByText('not used by fp').length).toBeGreaterThan(0);
  });

  it('validates the temper schedule as it is typed and sends it', async () => {
    const client = setup();
    await screen.findByRole('option', { name: 'fmnist' });
    await fireEvent.change(screen.getByLabelText('Quantizer'), { target: { value: 'nt' } });
    await type('τ', '1.5');
    expect((await screen.findByRole('alert')).id).toBe('err-quant-temper-tau');
    await type('τ', '0.2');
    await type('λ0', '2');
    await fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(client.startRun).toHaveBeenCalled());
    const config = (client.startRun as unknown as { mock: { calls: [{ config: { quant: unknown } }][] } }).mock.calls[0][0].config;
    expect(config.quant).toEqual({ quantizer: 'nt', bits: 4, firstLastBits: 8, noise: 'uniform', init: 'lsq', temper: { lambda0: 2, tau: 0.2, noiseOffAt: null, unit: 'step' }, stepEpsilon: 1e-5 });
  });

  it('shows the computed default τ at 4 significant digits and sends its exact value', async () => {
    const client = setup();
    await screen.findByRole('option', { name: 'fmnist' });
    await fireEvent.change(screen.getByLabelText('Quantizer'), { target: { value: 'nt' } });
    const tau = number('τ');
    expect(tau.value).toBe('0.1086');
    expect(tau.title).toBe(`exactly ${0.75 / Math.log(1000)}`);
    // Focus leaves the shown text as it is, so select-all and typing replace it (a browser selects before focus lands).
    await fireEvent.focus(tau);
    expect(tau.value).toBe('0.1086');
    await fireEvent.blur(tau);
    await fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(client.startRun).toHaveBeenCalled());
    const config = (client.startRun as unknown as { mock: { calls: [{ config: { quant: { temper: { tau: number } } } }][] } }).mock.calls[0][0].config;
    expect(config.quant.temper.tau).toBe(0.75 / Math.log(1000));
  });

  it('switching the optimizer shows its own fields', async () => {
    setup();
    await screen.findByRole('option', { name: 'fmnist' });
    expect(screen.queryByLabelText('β2')).toBeNull();
    await fireEvent.change(screen.getByLabelText('Optimizer'), { target: { value: 'adam' } });
    expect(number('β2').value).toBe('0.999');
    expect(screen.queryByLabelText('Momentum')).toBeNull();
  });

  it('marks the step where λ/λ0 falls below 1e-3, and moves it as τ changes', async () => {
    setup();
    await screen.findByRole('option', { name: 'fmnist' });
    await fireEvent.change(screen.getByLabelText('Quantizer'), { target: { value: 'nt' } });
    // demo: 1000 images / batch 128 = 7 steps an epoch, 70 steps; the default τ reaches 1e-3 at 75 %.
    const floor = await screen.findByTestId('lambda-floor');
    expect(floor.textContent).toBe('λ/λ0 < 0.001 from step 53 of 70 (76 % of training, epoch 8)');
    await type('τ', '0.05');
    // exp(-t/(0.05·70)) < 1e-3 ⇔ t > 24.2
    expect(screen.getByTestId('lambda-floor').dataset.step).toBe('25');
    await type('Noise off at', '0.1');
    expect(screen.getByTestId('lambda-floor').dataset.step).toBe('7');
  });

  it('takes a pasted config in the JSON panel, and names the field of a bad one', async () => {
    setup();
    await screen.findByRole('option', { name: 'fmnist' });
    const json = screen.getByTestId('config-json') as HTMLTextAreaElement;
    await fireEvent.input(json, { target: { value: '{"model": "mlp", "quant": {"quantizer": "nt", "bits": 12}}' } });
    expect((await screen.findByRole('alert')).textContent).toMatch(/^quant\.bits: /);
    await fireEvent.input(json, { target: { value: '{"dataset": "fmnist", "config": {"model": "mlp", "quant": {"quantizer": "lsq", "bits": 3}, "epochs": 7}}' } });
    expect(screen.queryByRole('alert')).toBeNull();
    expect((screen.getByLabelText('Model') as HTMLSelectElement).value).toBe('mlp');
    expect((screen.getByLabelText('Quantizer') as HTMLSelectElement).value).toBe('lsq');
    expect(number('Bits').value).toBe('3');
    expect(number('Epochs').value).toBe('7');
    expect((screen.getByLabelText('Dataset') as HTMLSelectElement).value).toBe('fmnist');
  });

  it('sweeps any field: the menu adds it at its current value', async () => {
    setup();
    await screen.findByRole('option', { name: 'fmnist' });
    await fireEvent.click(screen.getByLabelText('Sweep over config values'));
    const sweep = screen.getByLabelText(/^Sweep \(config path/) as HTMLTextAreaElement;
    await fireEvent.input(sweep, { target: { value: '{"seed": [0, 1]}' } });
    await fireEvent.change(screen.getByLabelText('Add a field to the sweep'), { target: { value: 'labelSmoothing' } });
    expect(JSON.parse(sweep.value)).toEqual({ seed: [0, 1], labelSmoothing: [0] });
    await fireEvent.input(sweep, { target: { value: '{"seed": [0, 1], "labelSmoothing": [0, 0.1]}' } });
    expect(screen.getByRole('button', { name: 'Start sweep (4 runs)' })).toBeTruthy();
  });

  it('with no dataset, the hint links to the Datasets page', async () => {
    const client = fakeClient({ listDatasets: async () => [], listRuns: async () => ({ rows: [], total: 0 }), estimateRun: async () => ({ seconds: 1, imagesPerSec: 1, basis: '', range: null }) });
    render(NewRunView, { props: { client, query: {} } });
    const link = await screen.findByRole('link', { name: /add one, or the demo/ });
    expect(link.getAttribute('href')).toBe('#/datasets');
  });
});
