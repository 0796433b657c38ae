import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFile } from '../../src-main/store/db';
import { addValidation, BEST_BEFORE_VALIDATION, MIGRATIONS } from '../../src-main/store/schema';
import { openStore } from '../../src-main/store/store';
import { epochMetrics, newRun, storeWithDatasets, tempHome } from './fixtures';

let home: string;
beforeEach(() => {
  home = tempHome();
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('the validation migration', () => {
  it('clears bests that were chosen on test, says why, and keeps every epoch', () => {
    const store = storeWithDatasets(home);
    const trained = store.insertRun(newRun());
    store.appendEpochMetrics(trained, epochMetrics(1, 0.7));
    store.appendEpochMetrics(trained, epochMetrics(2, 0.6));
    const queued = store.insertRun(newRun());
    store.close();
    // The store as the version before the migration left it: the best test top-1 as best.
    const raw = new Database(storeFile(home));
    raw.exec(`ALTER TABLE epoch_metrics DROP COLUMN val_loss; ALTER TABLE epoch_metrics DROP COLUMN val_top1;
      ALTER TABLE runs DROP COLUMN best_epoch; ALTER TABLE runs DROP COLUMN best_unavailable;
      UPDATE runs SET best_top1 = 0.7 WHERE id = ${trained};`);
    // The migration itself, on those tables (later migrations touch other columns).
    addValidation(raw);
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    raw.close();
    const again = openStore(home);
    expect(again.getRun(trained)).toMatchObject({ bestTop1: null, bestEpoch: null, bestUnavailable: BEST_BEFORE_VALIDATION });
    expect(again.getRun(queued)).toMatchObject({ bestTop1: null, bestUnavailable: null });
    expect(again.epochCurves([trained])[0]).toMatchObject({ testTop1: [0.7, 0.6], valTop1: [null, null] });
    again.close();
  });
});
