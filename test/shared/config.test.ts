import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../shared/config';

describe('run config schema', () => {
  it('fills every default from a model name alone', () => {
    const config = parseTrainConfig({ model: 'resnet20' });
    expect(config.quant).toMatchObject({ quantizer: 'nt', bits: 4, firstLastBits: 8, noise: 'uniform' });
    expect(config.optimizer).toEqual({ kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
    expect(config.backend).toBe('auto');
  });

  it('defaults τ so that λ/λ0 reaches 1e-3 at 75 % of training', () => {
    const { tau } = parseTrainConfig({ model: 'mlp' }).quant.temper;
    expect(Math.exp(-0.75 / tau)).toBeCloseTo(1e-3, 12);
  });

  it('names every bad field in one message', () => {
    expect(() =>
      parseTrainConfig({ model: 'resnet21', quant: { bits: 9 }, lr: { base: -0.1 }, optimizer: { kind: 'sgd', momentum: 2 } }),
    ).toThrowError(/model: .*; quant\.bits: .*<=8; optimizer\.momentum: .*; lr\.base: /);
  });

  it('rejects an unknown optimizer kind and a fractional seed', () => {
    expect(() => parseTrainConfig({ model: 'mlp', optimizer: { kind: 'rmsprop' } })).toThrow(/optimizer/);
    expect(() => parseTrainConfig({ model: 'mlp', seed: 1.5 })).toThrow(/seed/);
  });

  it('keeps first and last layers full precision when firstLastBits is null', () => {
    expect(parseTrainConfig({ model: 'mlp', quant: { firstLastBits: null } }).quant.firstLastBits).toBeNull();
  });
});
