/** What the GUI and the services agree on about sweeps: the short names and the largest grid. */

/** Short names a sweep may use for the config paths people sweep most. */
export const SWEEP_ALIASES: Record<string, string> = {
  quantizer: 'quant.quantizer',
  bits: 'quant.bits',
  lr: 'lr.base',
  lambda0: 'quant.temper.lambda0',
};

export const MAX_SWEEP_RUNS = 500;
