import { describe, expect, it } from 'vitest';
import { configValue, readableNumber } from '../../src-renderer/lib/format';

describe('config values in tables', () => {
  it('show a computed number at 4 significant digits, and a typed one as it is', () => {
    expect(configValue(0.75 / Math.log(1000))).toBe('0.1086');
    expect(configValue(0.123456)).toBe('0.123456');
    expect(configValue(1e-5)).toBe('0.00001');
    expect(configValue('nt')).toBe('nt');
    expect(readableNumber(2 / 3)).toBe(0.6667);
  });
});
