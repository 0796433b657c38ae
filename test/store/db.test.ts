import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion, storeFile } from '../../src-main/store/db';
import { MIGRATIONS } from '../../src-main/store/schema';
import { openStore } from '../../src-main/store/store';
import { newRun, storeWithDatasets, tempHome } from './fixtures';

let home: string;
beforeEach(() => {
  home = tempHome();
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('openDatabase', () => {
  it('creates the schema in an empty file, with WAL, foreign keys, a busy timeout and synchronous NORMAL', () => {
    const { db, previousVersion } = openDatabase(storeFile(home));
    expect(previousVersion).toBe(0);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(tables(db)).toEqual(['checkpoints', 'clusters', 'datasets', 'epoch_metrics', 'groups', 'layer_stats', 'notes', 'run_bundles', 'run_events', 'runs', 'sharpness', 'step_metrics', 'studies', 'study_runs', 'tags']);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    db.close();
  });

  it('opens an up-to-date store again without migrating, keeping its rows', () => {
    const store = storeWithDatasets(home);
    const id = store.insertRun(newRun());
    store.close();
    const { db, previousVersion } = openDatabase(storeFile(home));
    expect(previousVersion).toBe(MIGRATIONS.length);
    db.close();
    const again = openStore(home);
    expect(again.getRun(id)?.model).toBe('cnn-small');
    again.close();
  });

  it('refuses a store written by a newer Temper, naming the file and both versions', () => {
    const file = storeFile(home);
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openDatabase(file)).toThrow(`${file}: the store has schema version 99, this version of Temper knows up to ${MIGRATIONS.length}`);
  });

  it('runs each migration in its own transaction: a failing one leaves the previous version', () => {
    const file = storeFile(home);
    const migrations = [
      (db: Database.Database) => db.exec('CREATE TABLE a (x)'),
      (db: Database.Database) => {
        db.exec('CREATE TABLE b (x)');
        throw new Error('boom');
      },
    ];
    expect(() => openDatabase(file, migrations)).toThrow('boom');
    const raw = new Database(file);
    expect(schemaVersion(raw)).toBe(1);
    expect(tables(raw)).toEqual(['a']);
    raw.close();
  });

  it('names the file when it is not a SQLite database', () => {
    const file = storeFile(home);
    fs.writeFileSync(file, 'these are not the pages you are looking for\n'.repeat(200));
    expect(() => openDatabase(file)).toThrow(`${file}: not a SQLite database`);
  });

  it('names the file when its folder cannot be created', () => {
    const blocker = path.join(home, 'blocker');
    fs.writeFileSync(blocker, '');
    const file = path.join(blocker, 'sub', 'temper.sqlite');
    expect(() => openDatabase(file)).toThrow(`${file}: cannot create the store, the folder ${path.dirname(file)} is not writable`);
  });

  it.skipIf(process.getuid?.() === 0)('names the file when its folder is read-only', () => {
    const dir = path.join(home, 'locked');
    fs.mkdirSync(dir, { mode: 0o500 });
    const file = path.join(dir, 'temper.sqlite');
    expect(() => openDatabase(file)).toThrow(`${file}: cannot create the store`);
  });
});
