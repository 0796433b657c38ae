import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import { checkRunForm, defaultForm, type FieldValue, type ParentRun, type RunForm, valuesFromConfig, withVariant } from '../../src-renderer/lib/run-form';
import { PRESETS } from '../../src-renderer/lib/run-presets';

const datasets = ['demo', 'fmnist'];
const fpRun: ParentRun = {
  id: 7,
  name: null,
  model: 'resnet20',
  dataset: 'fmnist',
  quantizer: 'fp',
  bits: null,
  finalTop1: 0.91,
  config: parseTrainConfig({
    model: 'resnet20', quant: { quantizer: 'fp' }, epochs: 3, batchSize: 64, limitTrain: 256, limitTest: 128,
    optimizer: { kind: 'adam' }, lr: { kind: 'step', base: 0.002, milestones: [1, 2], gamma: 0.5 }, labelSmoothing: 0.1,
  }),
};
const form = (values: Record<string, FieldValue> = {}, patch: Partial<RunForm> = {}): RunForm => {
  const base = defaultForm(datasets);
  return { ...base, ...patch, values: { ...base.values, ...values } };
};
const preset = (id: string) => PRESETS.find((p) => p.id === id)!;

describe('checkRunForm', () => {
  it('accepts the default form and sends every field that applies, nothing an fp run ignores', () => {
    const check = checkRunForm(form({ limitTrain: 256 }), datasets, null);
    expect(check.errors).toEqual({});
    expect(check.request?.dataset).toBe('demo');
    expect(check.request?.config).toEqual({
      model: 'cnn-small', quant: { quantizer: 'fp' }, epochs: 10, batchSize: 128, microBatch: null,
      optimizer: { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
      lr: { kind: 'cosine', base: 0.1, warmupEpochs: 0 },
      labelSmoothing: 0, seed: 0, backend: 'auto', limitTrain: 256, limitTest: null, limitVal: null,
    });
    expect(check.runCount).toBe(1);
  });

  it('sends the temper schedule of a noise-tempering run, and the milestones of a step schedule', () => {
    const check = checkRunForm(form({ 'quant.quantizer': 'nt', 'quant.temper.lambda0': 2, 'quant.temper.tau': 0.2, 'lr.kind': 'step', 'lr.milestones': '3, 6', 'lr.gamma': 0.5 }), datasets, null);
    expect(check.errors).toEqual({});
    expect(check.request?.config.quant).toMatchObject({ quantizer: 'nt', bits: 4, temper: { lambda0: 2, tau: 0.2, noiseOffAt: null, unit: 'step' } });
    expect(check.request?.config.lr).toEqual({ kind: 'step', base: 0.1, warmupEpochs: 0, milestones: [3, 6], gamma: 0.5 });
  });

  it('names each bad field by its config path with the schema message', () => {
    const check = checkRunForm(form({ 'quant.quantizer': 'nt', 'quant.bits': 9, epochs: 0, batchSize: 2.5, 'lr.base': -1, limitTest: 0, 'quant.temper.tau': 2 }), datasets, null);
    expect(Object.keys(check.errors).sort()).toEqual(['batchSize', 'epochs', 'limitTest', 'lr.base', 'quant.bits', 'quant.temper.tau']);
    expect(check.errors['quant.bits']).toMatch(/8/);
    expect(check.request).toBeNull();
  });

  it('reports an emptied number field instead of falling back to the default, and a list that is not numbers', () => {
    const check = checkRunForm(form({ epochs: undefined, seed: null, 'lr.kind': 'step', 'lr.milestones': '3, x' }), datasets, null);
    expect(check.errors).toEqual({ epochs: 'Enter a number', seed: 'Enter a number', 'lr.milestones': expect.stringMatching(/numbers separated by commas/) });
  });

  it('files a list element error under the list field', () => {
    const check = checkRunForm(form({ 'lr.kind': 'step', 'lr.milestones': '3, -1' }), datasets, null);
    expect(Object.keys(check.errors)).toEqual(['lr.milestones']);
  });

  it('ignores fields that do not apply: bits of an fp run, milestones of a cosine schedule', () => {
    expect(checkRunForm(form({ 'quant.quantizer': 'fp', 'quant.bits': undefined, 'lr.milestones': 'x' }), datasets, null).errors).toEqual({});
  });

  it("an optimizer switch starts that optimizer's own fields from their defaults", () => {
    const values = withVariant(form().values, 'optimizer.kind', 'adam');
    expect(values).toMatchObject({ 'optimizer.kind': 'adam', 'optimizer.beta1': 0.9, 'optimizer.beta2': 0.999, 'optimizer.weightDecay': 0 });
    expect(checkRunForm(form(values), datasets, null).request?.config.optimizer).toEqual({ kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
  });

  it('requires a dataset, and says how to get one when there are none', () => {
    expect(checkRunForm(form({}, { dataset: '' }), [], null).errors.dataset).toMatch(/demo/);
    expect(checkRunForm(form({}, { dataset: 'gone' }), datasets, null).errors.dataset).toMatch(/gone/);
  });

  it('requires the parent run model, since its weights start the run', () => {
    const check = checkRunForm(form({ model: 'cnn-small' }, { initFrom: 7, dataset: 'fmnist' }), datasets, fpRun);
    expect(check.errors.model).toMatch(/resnet20/);
    const ok = checkRunForm(form({ model: 'resnet20' }, { initFrom: 7, dataset: 'fmnist' }), datasets, fpRun);
    expect(ok.request?.initFrom).toBe(7);
  });

  it('round-trips every field of a stored config through the form', () => {
    const values = valuesFromConfig(fpRun.config);
    const check = checkRunForm(form(values, { dataset: 'fmnist' }), datasets, null);
    expect(check.config).toEqual(parseTrainConfig(fpRun.config));
  });

  it('counts the runs of a sweep over any field and checks every combination against the schema', () => {
    const nt = { 'quant.quantizer': 'nt' };
    const good = checkRunForm(form(nt, { sweep: '{"quant.temper.tau": [0.1, 0.2], "lr.base": [0.01, 0.03], "seed": [0, 1, 2]}' }), datasets, null);
    expect(good.runCount).toBe(12);
    expect(good.sweep).toEqual({ 'quant.temper.tau': [0.1, 0.2], 'lr.base': [0.01, 0.03], seed: [0, 1, 2] });
    expect(checkRunForm(form(nt, { sweep: '{"bits": [2, 3]}' }), datasets, null).runCount).toBe(2);
    const bad = checkRunForm(form(nt, { sweep: '{"quant.bits": [4, 12]}' }), datasets, null);
    expect(bad.errors.sweep).toMatch(/"quant\.bits":12.*quant\.bits/);
    expect(checkRunForm(form(nt, { sweep: '{"quant.bitz": [4]}' }), datasets, null).errors.sweep).toMatch(/"quant.bitz" is not a config field/);
    expect(checkRunForm(form({}, { sweep: '{"seed": []}' }), datasets, null).errors.sweep).toMatch(/non-empty/);
    expect(checkRunForm(form({}, { sweep: '{oops' }), datasets, null).errors.sweep).toMatch(/JSON/);
  });
});

describe('presets', () => {
  it('noise tempering W3A3 starts from the newest full-precision run, with every field of its config', () => {
    const next = preset('nt3').apply(form(), [fpRun]);
    expect(next).toMatchObject({ initFrom: 7, dataset: 'fmnist' });
    expect(next.values).toMatchObject({
      'quant.quantizer': 'nt', 'quant.bits': 3, model: 'resnet20', epochs: 3, batchSize: 64, limitTrain: 256, limitTest: 128, 'lr.base': 0.01,
      'optimizer.kind': 'adam', 'lr.kind': 'step', 'lr.milestones': '1, 2', 'lr.gamma': 0.5, labelSmoothing: 0.1,
    });
    expect(checkRunForm(next, datasets, fpRun).errors).toEqual({});
  });

  it('a QAT preset without a full-precision run trains from scratch', () => {
    const next = preset('lsq').apply(form(), []);
    expect(next.initFrom).toBeNull();
    expect(next.values).toMatchObject({ 'quant.quantizer': 'lsq', 'quant.bits': 4 });
  });

  it('the full-precision baseline drops the parent and the sweep', () => {
    const next = preset('fp').apply(form({}, { initFrom: 7, sweep: '{}' }), [fpRun]);
    expect(next).toMatchObject({ initFrom: null, sweep: null });
    expect(next.values['quant.quantizer']).toBe('fp');
  });

  it('the sweep preset sweeps quantizer × bits × 3 seeds: 18 runs', () => {
    const next = preset('sweep').apply(form(), [fpRun]);
    const check = checkRunForm(next, datasets, fpRun);
    expect(check.sweep).toEqual({ 'quant.quantizer': ['lsq', 'nt'], 'quant.bits': [2, 3, 4], seed: [0, 1, 2] });
    expect(check.runCount).toBe(18);
  });
});
