/** What the GUI and the services agree on about sweeps: the short names and the largest grid. */

/** Short names a sweep may use for the config paths people sweep most. */
export const SWEEP_ALIASES: Record<string, string> = {
  quantizer: 'quant.quantizer',
  bits: 'quant.bits',
  lr: 'lr.base',
  lambda0: 'quant.temper.lambda0',
};

export const MAX_SWEEP_RUNS = 500;

/** Sets a dotted config path ('quant.temper.lambda0') in `target`, copying the objects on the way so a shared recipe is not changed. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}
