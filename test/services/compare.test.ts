import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';
import { differingFields } from '../../src-main/services/compare';

describe('config differences', () => {
  it('mark a field that does not apply to a run instead of comparing its stored default', () => {
    const fp = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'fp' } });
    const nt = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'nt', bits: 4 } });
    const lsq = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'lsq', bits: 4 } });
    const rows = differingFields([fp, nt]);
    expect(rows.find((r) => r.path === 'quant.bits')).toEqual({ path: 'quant.bits', values: [null, 4], applies: [false, true] });
    expect(rows.find((r) => r.path === 'quant.quantizer')).toEqual({ path: 'quant.quantizer', values: ['fp', 'nt'] });
    // Two fp runs with the same defaults do not differ in fields neither uses; nt vs lsq: the temper schedule is nt's only.
    expect(differingFields([fp, fp])).toEqual([]);
    expect(differingFields([nt, lsq]).map((r) => r.path)).toEqual(['quant.noise', 'quant.quantizer', 'quant.temper.lambda0', 'quant.temper.noiseOffAt', 'quant.temper.tau', 'quant.temper.unit']);
  });
});
