import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFile } from '../../src-main/store/db';
import { addTestSet, MIGRATIONS } from '../../src-main/store/schema';
import { openStore, type SqliteStore } from '../../src-main/store/store';
import { epochMetrics, newRun, storeWithDatasets, tempHome } from './fixtures';

let home: string;
let store: SqliteStore;
beforeEach(() => {
  home = tempHome();
  store = storeWithDatasets(home);
});
afterEach(() => {
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const SET_A = { images: 1000, hash: 'aaaaaaaaaaaaaaaa' };
const SET_B = { images: 2000, hash: 'bbbbbbbbbbbbbbbb' };

/** A parent tested on `parentSet` (final 0.9) and a child tested on `childSet` (final 0.8), both finished. */
function parentAndChild(parentSet: typeof SET_A | null, childSet: typeof SET_A | null): { parent: number; child: number } {
  const parent = store.insertRun(newRun());
  const child = store.insertRun(newRun({ quant: { quantizer: 'nt', bits: 2 } }, { parentId: parent }));
  if (parentSet) store.recordTestSet(parent, parentSet);
  if (childSet) store.recordTestSet(child, childSet);
  store.finishRun(parent, { status: 'completed', finalTop1: 0.9 });
  store.finishRun(child, { status: 'completed', finalTop1: 0.8 });
  return { parent, child };
}

describe("a run's test set", () => {
  it('is recorded with the run and read back; the drop vs parent is computed only when both were tested on the same images', () => {
    const same = parentAndChild(SET_A, SET_A);
    expect(store.getRun(same.parent)).toMatchObject({ testSet: SET_A, parentTestSet: null });
    expect(store.getRun(same.child)).toMatchObject({ testSet: SET_A, parentTestSet: 'same' });
    expect(store.getRun(same.child)!.deltaVsParent).toBeCloseTo(-0.1, 12);

    const differing = parentAndChild(SET_A, SET_B);
    expect(store.getRun(differing.child)).toMatchObject({ testSet: SET_B, parentTestSet: 'different', deltaVsParent: null });
    const unknown = parentAndChild(null, SET_A);
    expect(store.getRun(unknown.child)).toMatchObject({ parentTestSet: 'unknown', deltaVsParent: null });
  });

  it('stays unknown for a run that recorded epochs before its test set was known (trained before, resumed now)', () => {
    const id = store.insertRun(newRun());
    store.appendEpochMetrics(id, epochMetrics(1));
    store.recordTestSet(id, SET_A);
    expect(store.getRun(id)!.testSet).toBeNull();
    // A run that knew its set keeps it on resume, and a different one makes it unknown.
    const known = store.insertRun(newRun());
    store.recordTestSet(known, SET_A);
    store.appendEpochMetrics(known, epochMetrics(1));
    store.recordTestSet(known, SET_A);
    expect(store.getRun(known)!.testSet).toEqual(SET_A);
    store.recordTestSet(known, SET_B);
    expect(store.getRun(known)!.testSet).toBeNull();
  });

  it('arrives by a migration: runs stored before have an unknown test set and no drop vs parent (it may mix test sets)', () => {
    const { child } = parentAndChild(SET_A, SET_A);
    store.close();
    // The store as the version before the migration left it: no test set columns, a drop vs parent over mixed test sets.
    const raw = new Database(storeFile(home));
    raw.exec('ALTER TABLE runs DROP COLUMN test_images; ALTER TABLE runs DROP COLUMN test_set; UPDATE runs SET drop_vs_parent = 0.1 WHERE parent_id IS NOT NULL;');
    // The migration itself, on that table (later migrations touch other columns).
    addTestSet(raw);
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    raw.close();
    store = openStore(home);
    expect(store.getRun(child)).toMatchObject({ finalTop1: 0.8, testSet: null, parentTestSet: 'unknown', deltaVsParent: null });
  });
});
