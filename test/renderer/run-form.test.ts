import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import { checkRunForm, defaultForm, type ParentRun, PRESETS, type RunForm } from '../../src-renderer/lib/run-form';

const datasets = ['demo', 'fmnist'];
const fpRun: ParentRun = {
  id: 7,
  name: null,
  model: 'resnet20',
  dataset: 'fmnist',
  quantizer: 'fp',
  bits: null,
  finalTop1: 0.91,
  config: parseTrainConfig({ model: 'resnet20', quant: { quantizer: 'fp' }, epochs: 3, batchSize: 64, limitTrain: 256, limitTest: 128 }),
};
const form = (patch: Partial<RunForm> = {}): RunForm => ({ ...defaultForm(datasets), ...patch });
const preset = (id: string) => PRESETS.find((p) => p.id === id)!;

describe('checkRunForm', () => {
  it('accepts the default form and sends the config as typed, with defaults filled in for the preview', () => {
    const check = checkRunForm(form({ limitTrain: 256 }), datasets, null);
    expect(check.errors).toEqual({});
    expect(check.request).toEqual({
      dataset: 'demo',
      config: { model: 'cnn-small', quant: { quantizer: 'fp' }, epochs: 10, batchSize: 128, lr: { base: 0.1 }, seed: 0, limitTrain: 256, limitTest: null },
    });
    expect(check.config?.optimizer.kind).toBe('sgd');
    expect(check.runCount).toBe(1);
  });

  it('names each bad field with the schema message', () => {
    const check = checkRunForm(form({ quantizer: 'nt', bits: 9, epochs: 0, batchSize: 2.5, lr: -1, limitTest: 0 }), datasets, null);
    expect(Object.keys(check.errors).sort()).toEqual(['batchSize', 'bits', 'epochs', 'limitTest', 'lr']);
    expect(check.errors.bits).toMatch(/8/);
    expect(check.errors.epochs).toMatch(/1/);
    expect(check.request).toBeNull();
  });

  it('reports an emptied number field instead of falling back to the default', () => {
    const check = checkRunForm(form({ epochs: undefined, seed: null }), datasets, null);
    expect(check.errors).toEqual({ epochs: 'Enter a number', seed: 'Enter a number' });
    expect(check.request).toBeNull();
  });

  it('ignores bits for a full-precision run', () => {
    expect(checkRunForm(form({ quantizer: 'fp', bits: undefined }), datasets, null).errors).toEqual({});
  });

  it('requires a dataset, and says how to get one when there are none', () => {
    expect(checkRunForm(form({ dataset: '' }), [], null).errors.dataset).toMatch(/demo dataset/);
    expect(checkRunForm(form({ dataset: 'gone' }), datasets, null).errors.dataset).toMatch(/gone/);
  });

  it('requires the parent run model, since its weights start the run', () => {
    const check = checkRunForm(form({ initFrom: 7, dataset: 'fmnist', model: 'cnn-small' }), datasets, fpRun);
    expect(check.errors.model).toMatch(/resnet20/);
    const ok = checkRunForm(form({ initFrom: 7, dataset: 'fmnist', model: 'resnet20' }), datasets, fpRun);
    expect(ok.request?.initFrom).toBe(7);
  });

  it('counts the runs of a sweep and checks every combination against the schema', () => {
    const good = checkRunForm(form({ quantizer: 'nt', sweep: '{"quant.quantizer": ["lsq", "nt"], "bits": [2, 3, 4], "seed": [0, 1, 2]}' }), datasets, null);
    expect(good.runCount).toBe(18);
    expect(good.sweep).toEqual({ 'quant.quantizer': ['lsq', 'nt'], bits: [2, 3, 4], seed: [0, 1, 2] });
    const bad = checkRunForm(form({ quantizer: 'nt', sweep: '{"quant.bits": [4, 12]}' }), datasets, null);
    expect(bad.errors.sweep).toMatch(/"quant\.bits":12.*quant\.bits/);
    expect(checkRunForm(form({ sweep: '{"seed": []}' }), datasets, null).errors.sweep).toMatch(/non-empty/);
    expect(checkRunForm(form({ sweep: '{oops' }), datasets, null).errors.sweep).toMatch(/JSON/);
  });
});

describe('presets', () => {
  it('noise tempering W3A3 starts from the newest full-precision run, on its dataset and model', () => {
    const next = preset('nt3').apply(form(), [fpRun]);
    expect(next).toMatchObject({ quantizer: 'nt', bits: 3, initFrom: 7, dataset: 'fmnist', model: 'resnet20', epochs: 3, batchSize: 64, limitTrain: 256, limitTest: 128, lr: 0.01 });
    expect(checkRunForm(next, datasets, fpRun).errors).toEqual({});
  });

  it('a QAT preset without a full-precision run trains from scratch', () => {
    expect(preset('lsq').apply(form(), [])).toMatchObject({ quantizer: 'lsq', bits: 4, initFrom: null });
  });

  it('the full-precision baseline drops the parent and the sweep', () => {
    const next = preset('fp').apply(form({ initFrom: 7, sweep: '{}' }), [fpRun]);
    expect(next).toMatchObject({ quantizer: 'fp', initFrom: null, sweep: null });
  });

  it('the sweep preset sweeps quantizer × bits × 3 seeds: 18 runs', () => {
    const next = preset('sweep').apply(form(), [fpRun]);
    const check = checkRunForm(next, datasets, fpRun);
    expect(check.sweep).toEqual({ 'quant.quantizer': ['lsq', 'nt'], 'quant.bits': [2, 3, 4], seed: [0, 1, 2] });
    expect(check.runCount).toBe(18);
  });
});
