import { CONFIG_FIELDS, type ConfigField, getPath } from './config-fields';

/**
 * How the run config reads to a person: a label, a hint and a group per field, and which fields do
 * not apply to a config (bits of a full-precision run). The fields themselves come from the schema
 * (config-fields.ts); a field missing here still shows, under Advanced, labelled by its path.
 */

export const CONFIG_GROUPS = ['Model and data', 'Quantization', 'Temper schedule', 'Optimizer and schedule', 'Advanced'] as const;
export type ConfigGroup = (typeof CONFIG_GROUPS)[number];

interface FieldText {
  label: string;
  hint?: string;
  group: ConfigGroup;
  /** What each choice means, where its name alone does not say. */
  options?: Record<string, string>;
}

const TEXT: Record<string, FieldText> = {
  model: { label: 'Model', group: 'Model and data' },
  limitTrain: { label: 'Limit train images', hint: 'empty: the whole split', group: 'Model and data' },
  limitTest: { label: 'Limit test images', hint: 'empty: the whole split', group: 'Model and data' },
  limitVal: { label: 'Limit validation images', hint: 'empty: the whole val split (it picks the best epoch)', group: 'Model and data' },
  'quant.quantizer': {
    label: 'Quantizer',
    group: 'Quantization',
    options: {
      fp: 'fp — full precision',
      nt: 'nt — noise tempering',
      lsq: 'lsq — learned step size',
      pqn: 'pqn — pseudo-quantization noise',
      'nt-pqn': 'nt-pqn — tempered noise into LSQ',
    },
  },
  'quant.bits': { label: 'Bits', hint: 'weights and activations', group: 'Quantization' },
  'quant.firstLastBits': { label: 'First/last layer bits', hint: 'empty: full precision', group: 'Quantization' },
  'quant.noise': { label: 'Noise law', hint: 'ξ (nt) or n (pqn, nt-pqn), docs/method.md §3–4', group: 'Quantization' },
  'quant.init': {
    label: 'Step-size init',
    hint: 'docs/method.md §2.2',
    group: 'Quantization',
    options: { lsq: 'lsq — 2·mean|v|/√Qp, as published', mse: 'mse — least squared error on the grid' },
  },
  'quant.temper.lambda0': { label: 'λ0', hint: 'noise scale at step 0', group: 'Temper schedule' },
  'quant.temper.tau': { label: 'τ', hint: 'decay, fraction of training', group: 'Temper schedule' },
  'quant.temper.noiseOffAt': { label: 'Noise off at', hint: 'fraction of training; empty: never', group: 'Temper schedule' },
  'quant.temper.unit': { label: 'λ updated every', group: 'Temper schedule', options: { step: 'step', epoch: 'epoch (constant within one)' } },
  epochs: { label: 'Epochs', group: 'Optimizer and schedule' },
  batchSize: { label: 'Batch size', group: 'Optimizer and schedule' },
  microBatch: { label: 'Micro-batch', hint: 'rows per pass, gradients summed; empty: the whole batch where it fits', group: 'Optimizer and schedule' },
  'optimizer.kind': { label: 'Optimizer', group: 'Optimizer and schedule' },
  'optimizer.momentum': { label: 'Momentum', group: 'Optimizer and schedule' },
  'optimizer.nesterov': { label: 'Nesterov', group: 'Optimizer and schedule' },
  'optimizer.weightDecay': { label: 'Weight decay', group: 'Optimizer and schedule' },
  'optimizer.beta1': { label: 'β1', group: 'Optimizer and schedule' },
  'optimizer.beta2': { label: 'β2', group: 'Optimizer and schedule' },
  'optimizer.epsilon': { label: 'ε', group: 'Optimizer and schedule' },
  'lr.kind': { label: 'LR schedule', group: 'Optimizer and schedule' },
  'lr.base': { label: 'Learning rate', hint: 'peak, after warm-up', group: 'Optimizer and schedule' },
  'lr.warmupEpochs': { label: 'Warm-up epochs', group: 'Optimizer and schedule' },
  'lr.milestones': { label: 'LR milestones', hint: 'epochs, e.g. 30, 60', group: 'Optimizer and schedule' },
  'lr.gamma': { label: 'LR gamma', hint: 'factor at each milestone; empty: 0.1', group: 'Optimizer and schedule' },
  'lr.minLr': { label: 'Min LR', hint: 'cosine floor; empty: 0', group: 'Optimizer and schedule' },
  labelSmoothing: { label: 'Label smoothing', group: 'Optimizer and schedule' },
  seed: { label: 'Seed', group: 'Advanced' },
  backend: { label: 'Backend', hint: 'auto: the best available', group: 'Advanced' },
  'quant.stepEpsilon': { label: 'Step size floor', hint: 'keeps learned steps > 0', group: 'Advanced' },
};

export function fieldText(path: string): FieldText {
  return TEXT[path] ?? { label: path, group: 'Advanced' };
}

/** The fields of one group, in the schema's order. */
export function fieldsOfGroup(group: ConfigGroup): ConfigField[] {
  return CONFIG_FIELDS.filter((f) => fieldText(f.path).group === group);
}

const TEMPERED = ['nt', 'nt-pqn'];
const NOISY = ['pqn', 'nt', 'nt-pqn'];

/**
 * Why a field has no effect on this config, or null where it does. `config` is a config or a form's
 * values nested the same way; the quantizer, lr kind and optimizer kind decide.
 */
export function notApplicable(path: string, config: unknown): string | null {
  const quantizer = String(getPath(config, 'quant.quantizer') ?? '');
  const lrKind = String(getPath(config, 'lr.kind') ?? '');
  if (path.startsWith('quant.') && path !== 'quant.quantizer' && quantizer === 'fp') return 'not used by fp';
  if (path.startsWith('quant.temper.') && !TEMPERED.includes(quantizer)) return `not used by ${quantizer}`;
  if (path === 'quant.noise' && !NOISY.includes(quantizer)) return `not used by ${quantizer}`;
  if ((path === 'lr.milestones' || path === 'lr.gamma') && lrKind !== 'step') return 'step schedule only';
  if (path === 'lr.minLr' && lrKind !== 'cosine') return 'cosine schedule only';
  const field = CONFIG_FIELDS.find((f) => f.path === path && f.variant);
  if (field?.variant && !CONFIG_FIELDS.some((f) => f.path === path && f.variant && getPath(config, f.variant.path) === f.variant.value)) {
    return `not used by ${String(getPath(config, field.variant.path))}`;
  }
  return null;
}
