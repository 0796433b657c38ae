import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFile } from '../../src-main/store/db';
import { addLevelsUsed, MIGRATIONS } from '../../src-main/store/schema';
import { openStore } from '../../src-main/store/store';
import { epochMetrics, newRun, storeWithDatasets, tempHome } from './fixtures';

let home: string;
beforeEach(() => {
  home = tempHome();
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

/** Epoch 1 of a two-layer run whose quantizers used 18 and 3 levels (conv0's input is unquantized). */
function withLevels() {
  const metrics = epochMetrics(1, 0.5, 2);
  metrics.layers[0].weight!.levelsUsed = 18;
  metrics.layers[1].input!.levelsUsed = 3;
  return metrics;
}

describe('levels used in the layer stats', () => {
  it('are stored with the epoch and read back; a quantizer without the count reads null', () => {
    const store = storeWithDatasets(home);
    const id = store.insertRun(newRun());
    store.appendEpochMetrics(id, withLevels());
    const rows = store.layerStats(id, 1);
    expect(rows.map((r) => [r.layer, r.weightLevelsUsed, r.inputLevelsUsed])).toEqual([
      ['conv0', 18, null],
      ['conv1', null, 3],
    ]);
    store.close();
  });

  it('arrive by a migration that keeps older rows, with null for what they never measured', () => {
    const store = storeWithDatasets(home);
    const id = store.insertRun(newRun());
    store.appendEpochMetrics(id, withLevels());
    store.close();
    // The store as the version before the migration left it.
    const raw = new Database(storeFile(home));
    raw.exec('ALTER TABLE layer_stats DROP COLUMN weight_levels; ALTER TABLE layer_stats DROP COLUMN input_levels;');
    // The migration itself, on that table (later migrations touch other tables).
    addLevelsUsed(raw);
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    raw.close();
    const again = openStore(home);
    expect(again.layerStats(id, 1).map((r) => [r.weightStep, r.weightLevelsUsed, r.inputLevelsUsed])).toEqual([
      [0.01, null, null],
      [0.02, null, null],
    ]);
    again.appendEpochMetrics(id, { ...withLevels(), epoch: 2 });
    expect(again.layerStats(id, 2)[0].weightLevelsUsed).toBe(18);
    again.close();
  });
});
