import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareLayers } from '../../shared/layers';
import type { LayerStatsRow } from '../../shared/records';
import LayerStats from '../../src-renderer/views/run-detail/LayerStats.svelte';
import { stubCanvas } from './fake-client';

const row = (layer: string, weightLevelsUsed: number | null, inputLevelsUsed: number | null): LayerStatsRow => ({
  epoch: 2, layer, weightStep: 0.02, weightMeanAbsError: 0.24, weightClipFraction: 0.01, weightLevelsUsed,
  inputStep: 0.16, inputMeanAbsError: 0.25, inputClipFraction: 0, inputLevelsUsed, lambda: 0.5,
});

describe('LayerStats: the last epoch by layer', () => {
  beforeEach(stubCanvas);
  afterEach(cleanup);

  it('shows the levels each quantizer used of its 2^bits, — for rows recorded before they were counted, with what the number means', async () => {
    // A row from an older store has neither field at all.
    const old = row('conv2', null, null) as Partial<LayerStatsRow>;
    delete old.weightLevelsUsed;
    delete old.inputLevelsUsed;
    render(LayerStats, { props: { rows: [row('conv1', 241, 18), old as LayerStatsRow], quant: { bits: 4, firstLastBits: 8 } } });
    const table = screen.getByRole('table');
    const header = within(table).getByRole('columnheader', { name: 'Levels used' });
    expect(header.getAttribute('title')).toBe('Distinct quantization levels the last recorded batch used, of the 2^b the layer has.');
    const cells = (layer: string) => within(screen.getByText(layer).closest('tr')!).getAllByRole('cell').map((c) => c.textContent);
    expect(cells('conv1')).toEqual(['conv1', '8', '0.02000', '0.2400', '1.00%', '241 of 256']);
    expect(cells('conv2')).toEqual(['conv2', '4', '0.02000', '0.2400', '1.00%', '—']);
    await fireEvent.change(screen.getByLabelText('Tensor'), { target: { value: 'input' } });
    expect(cells('conv1')).toEqual(['conv1', '8', '0.1600', '0.2500', '0.00%', '18 of 256']);
  });

  it('lists layers in model order with their bits, and gives |e| its unit', () => {
    const names = ['classifier', 'stage1/block10/a', 'stage1/block2/b', 'stem', 'stage1/block2/a', 'stage2/block1/shortcut'];
    render(LayerStats, { props: { rows: [...names].sort().map((n) => row(n, 3, 3)).sort((a, b) => compareLayers(a.layer, b.layer)), quant: { bits: 2, firstLastBits: 8 } } });
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent])).toEqual([
      ['stem', '8'], ['stage1/block2/a', '2'], ['stage1/block2/b', '2'], ['stage1/block10/a', '2'], ['stage2/block1/shortcut', '2'], ['classifier', '8'],
    ]);
    expect(screen.getByRole('columnheader', { name: 'Mean |e| (bins)' }).getAttribute('title')).toMatch(/in units of the step size/);
  });
});
