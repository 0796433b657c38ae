import { cleanup, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LayerStatsRow } from '../../shared/records';
import LayerStats from '../../src-renderer/views/run-detail/LayerStats.svelte';
import { stubCanvas } from './fake-client';

const row = (layer: string, weightLevelsUsed: number | null, inputLevelsUsed: number | null): LayerStatsRow => ({
  epoch: 2, layer, weightStep: 0.02, weightMeanAbsError: 0.24, weightClipFraction: 0.01, weightLevelsUsed,
  inputStep: 0.16, inputMeanAbsError: 0.25, inputClipFraction: 0, inputLevelsUsed, lambda: 0.5,
});

describe('LayerStats: levels used', () => {
  beforeEach(stubCanvas);
  afterEach(cleanup);

  it('shows the levels each quantizer used, — for rows recorded before they were counted, with what the number means', () => {
    // A row from an older store has neither field at all.
    const old = row('conv2', null, null) as Partial<LayerStatsRow>;
    delete old.weightLevelsUsed;
    delete old.inputLevelsUsed;
    render(LayerStats, { props: { rows: [row('conv1', 241, 18), old as LayerStatsRow] } });
    const table = screen.getByRole('table');
    const header = within(table).getByRole('columnheader', { name: 'Input levels' });
    expect(header.getAttribute('title')).toBe('Distinct quantization levels the last recorded batch used, of 2^b.');
    expect(within(table).getByRole('columnheader', { name: 'Weight levels' }).getAttribute('title')).toBe(header.getAttribute('title'));
    const cells = (layer: string) => within(screen.getByText(layer).closest('tr')!).getAllByRole('cell').map((c) => c.textContent);
    expect(cells('conv1')).toEqual(['conv1', expect.any(String), expect.any(String), '1.00%', '241', expect.any(String), expect.any(String), '0.00%', '18']);
    expect(cells('conv2')[4]).toBe('—');
    expect(cells('conv2')[8]).toBe('—');
  });
});
