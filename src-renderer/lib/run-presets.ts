import type { QuantizerKind } from '../../shared/config';
import { DEFAULT_SWEEP } from './sweep-form';
import { type ParentRun, type RunForm, withParent } from './run-form';

/** The New run presets: each fills the form, starting quantized runs from a full-precision parent. */

export interface Preset {
  id: string;
  label: string;
  description: string;
  apply(form: RunForm, fpParents: ParentRun[]): RunForm;
}

/** The parent a QAT preset starts from: the chosen one if it is a full-precision run, else the newest. */
function fpParent(form: RunForm, fpParents: ParentRun[]): ParentRun | null {
  return fpParents.find((p) => p.id === form.initFrom) ?? fpParents[0] ?? null;
}

function quantized(form: RunForm, fpParents: ParentRun[], quantizer: QuantizerKind, bits: number, sweep: string | null): RunForm {
  const next = withParent(form, fpParent(form, fpParents));
  return { ...next, values: { ...next.values, 'quant.quantizer': quantizer, 'quant.bits': bits, 'lr.base': 0.01 }, sweep };
}

function qatPreset(id: string, label: string, quantizer: QuantizerKind, bits: number, description: string): Preset {
  return { id, label, description, apply: (form, fpParents) => quantized(form, fpParents, quantizer, bits, null) };
}

export const PRESETS: Preset[] = [
  {
    id: 'fp',
    label: 'Full-precision baseline',
    description: 'No quantization, trained from scratch: the reference every quantized run is measured against.',
    apply: (form) => ({ ...form, initFrom: null, values: { ...form.values, 'quant.quantizer': 'fp', 'lr.base': 0.1 }, sweep: null }),
  },
  qatPreset('nt4', 'Noise tempering W4A4', 'nt', 4, '4-bit weights and activations, fine-tuned from a full-precision run.'),
  qatPreset('nt3', 'Noise tempering W3A3', 'nt', 3, '3-bit weights and activations, fine-tuned from a full-precision run.'),
  qatPreset('nt2', 'Noise tempering W2A2', 'nt', 2, '2-bit weights and activations, fine-tuned from a full-precision run.'),
  qatPreset('lsq', 'LSQ baseline', 'lsq', 4, 'Learned step size quantization at W4A4 from a full-precision run: the method noise tempering builds on.'),
  {
    id: 'sweep',
    label: 'Sweep: quantizer × bits × 3 seeds',
    description: 'LSQ and noise tempering at 2, 3 and 4 bits, three seeds each (18 runs), from a full-precision run.',
    apply: (form, fpParents) => quantized(form, fpParents, 'nt', 4, JSON.stringify(DEFAULT_SWEEP, null, 2)),
  },
];
