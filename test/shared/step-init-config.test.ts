import { describe, expect, it } from 'vitest';
import { CONFIG_PATHS, parseTrainConfig } from '../../shared/config';
import { CONFIG_FIELDS } from '../../shared/config-fields';
import { fieldText, notApplicable } from '../../shared/config-form';
import { checkSweepCells, expandSweep } from '../../src-main/services/sweep';

describe('quant.init in the run config', () => {
  it('defaults to lsq, so a config saved before the field existed loads as it trained', () => {
    const saved = { model: 'cnn-small', quant: { quantizer: 'nt', bits: 4, firstLastBits: 8, noise: 'uniform', stepEpsilon: 1e-5 } };
    expect(parseTrainConfig(saved).quant.init).toBe('lsq');
  });

  it('round-trips mse through JSON, as the run store keeps configs', () => {
    const config = parseTrainConfig({ model: 'mlp', quant: { quantizer: 'lsq', init: 'mse' } });
    const again = parseTrainConfig(JSON.parse(JSON.stringify(config)));
    expect(again).toEqual(config);
    expect(again.quant.init).toBe('mse');
  });

  it('refuses an unknown init, naming the field', () => {
    expect(() => parseTrainConfig({ model: 'mlp', quant: { init: 'minmax' } })).toThrow(/quant\.init: .*"lsq"\|"mse"/);
  });

  it('is a form field under Quantization, greyed out for fp', () => {
    const field = CONFIG_FIELDS.find((f) => f.path === 'quant.init');
    expect(field).toMatchObject({ kind: 'choice', options: ['lsq', 'mse'], defaultValue: 'lsq' });
    expect(fieldText('quant.init').group).toBe('Quantization');
    expect(notApplicable('quant.init', { quant: { quantizer: 'fp' } })).toBe('not used by fp');
    expect(notApplicable('quant.init', { quant: { quantizer: 'pqn' } })).toBeNull();
  });

  it('is a sweep (study) axis: every cell validates and carries its init', () => {
    expect(CONFIG_PATHS).toContain('quant.init');
    const cells = expandSweep({ dataset: 'd', config: { model: 'mlp' }, sweep: { 'quant.init': ['lsq', 'mse'], quantizer: ['lsq', 'nt'] } });
    checkSweepCells(cells);
    expect(cells.map((c) => parseTrainConfig(c.config).quant.init)).toEqual(['lsq', 'lsq', 'mse', 'mse']);
  });
});
