import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { trainConfigSchema } from '../../shared/config';
import { CONFIG_FIELDS, configFieldsOf } from '../../shared/config-fields';
import { fieldText, notApplicable } from '../../shared/config-form';

describe('config fields read from the schema', () => {
  it('lists every leaf of the run config, with its kind, bounds and default', () => {
    const byPath = new Map(CONFIG_FIELDS.map((f) => [f.path + (f.variant ? `@${f.variant.value}` : ''), f]));
    expect(byPath.get('quant.temper.tau')).toMatchObject({ kind: 'number', min: 0, max: 1, nullable: false });
    expect(byPath.get('quant.temper.noiseOffAt')).toMatchObject({ nullable: true, defaultValue: null });
    expect(byPath.get('quant.bits')).toMatchObject({ kind: 'integer', min: 2, max: 8, defaultValue: 4 });
    expect(byPath.get('lr.milestones')).toMatchObject({ kind: 'integer-list', optional: true });
    expect(byPath.get('optimizer.kind')).toMatchObject({ kind: 'choice', options: ['sgd', 'adam'], defaultValue: 'sgd' });
    expect(byPath.get('optimizer.weightDecay@adam')).toMatchObject({ defaultValue: 0, variant: { path: 'optimizer.kind', value: 'adam' } });
    expect(byPath.get('limitTrain')).not.toHaveProperty('max');
    // Every leaf the schema parses out of {} (plus the required model) is a field.
    const parsed = trainConfigSchema.parse({ model: 'mlp' });
    const leaves = (o: object, prefix = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? leaves(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
    for (const path of leaves(parsed)) expect(CONFIG_FIELDS.some((f) => f.path === path)).toBe(true);
  });

  it('a field added to a schema appears without any form code, labelled by its path under Advanced', () => {
    const fields = configFieldsOf(z.object({ a: z.number().int().min(1).default(3), nested: z.object({ flag: z.boolean().default(true) }).prefault({}) }));
    expect(fields.map((f) => [f.path, f.kind])).toEqual([['a', 'integer'], ['nested.flag', 'boolean']]);
    expect(fieldText('nested.flag')).toEqual({ label: 'nested.flag', group: 'Advanced' });
  });
});

describe('notApplicable', () => {
  it('says which fields a config ignores, and why', () => {
    const fp = trainConfigSchema.parse({ model: 'mlp', quant: { quantizer: 'fp' } });
    expect(notApplicable('quant.bits', fp)).toBe('not used by fp');
    expect(notApplicable('quant.quantizer', fp)).toBeNull();
    const lsq = trainConfigSchema.parse({ model: 'mlp', quant: { quantizer: 'lsq' }, lr: { kind: 'step', milestones: [2] } });
    expect(notApplicable('quant.bits', lsq)).toBeNull();
    expect(notApplicable('quant.temper.tau', lsq)).toBe('not used by lsq');
    expect(notApplicable('quant.noise', lsq)).toBe('not used by lsq');
    expect(notApplicable('lr.milestones', lsq)).toBeNull();
    expect(notApplicable('lr.minLr', lsq)).toBe('cosine schedule only');
    expect(notApplicable('optimizer.beta1', lsq)).toBe('not used by sgd');
    expect(notApplicable('optimizer.momentum', lsq)).toBeNull();
  });
});
