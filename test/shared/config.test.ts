import { describe, expect, it } from 'vitest';
import { CONFIG_PATHS, parseTrainConfig } from '../../shared/config';

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

  it('refuses unknown keys at every level, naming each and the field it most likely meant', () => {
    expect(() => parseTrainConfig({ model: 'mlp', epoch: 1, batchsize: 64 })).toThrow(
      "Invalid run config: unknown field 'epoch' (did you mean 'epochs'?), unknown field 'batchsize' (did you mean 'batchSize'?)",
    );
    expect(() => parseTrainConfig({ model: 'mlp', quant: { temper: { lambda: 2 } } })).toThrow("quant.temper: unknown field 'lambda' (did you mean 'lambda0'?)");
    expect(() => parseTrainConfig({ model: 'mlp', optimizer: { kind: 'adam', momentum: 0.9 } })).toThrow("optimizer: unknown field 'momentum'");
    expect(() => parseTrainConfig({ model: 'mlp', lr: { base: 0.1, schedule: 'cosine' } })).toThrow(/lr: unknown field 'schedule' \(known: kind, base/);
  });

  it('lists every field path a sweep may vary', () => {
    expect(CONFIG_PATHS).toEqual(expect.arrayContaining(['quant.bits', 'quant.temper.lambda0', 'optimizer.momentum', 'optimizer.beta1', 'lr.base', 'seed']));
    expect(CONFIG_PATHS).not.toContain('quant.nosuch');
  });

  it('keeps first and last layers full precision when firstLastBits is null', () => {
    expect(parseTrainConfig({ model: 'mlp', quant: { firstLastBits: null } }).quant.firstLastBits).toBeNull();
  });
});
