import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './schema';

export type Db = Database.Database;

export const STORE_FILE = 'temper.sqlite';

/** Waiting this long for another process's write lock covers any single batch of run writes. */
const BUSY_TIMEOUT_MS = 5000;

export function storeFile(home: string): string {
  return path.join(home, STORE_FILE);
}

export interface OpenedDatabase {
  db: Db;
  /** The schema version before this open migrated it (0: a new, empty database). */
  previousVersion: number;
}

/**
 * Opens (creating if needed) the SQLite file, sets the connection pragmas and runs the forward
 * migrations it lacks. Errors name the file and say what was expected.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): OpenedDatabase {
  ensureFolder(file);
  let db: Db;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new Error(`${file}: cannot open the store: ${(error as Error).message}`);
  }
  try {
    configure(db, file);
    const previousVersion = migrate(db, file, migrations);
    return { db, previousVersion };
  } catch (error) {
    db.close();
    throw error;
  }
}

function ensureFolder(file: string): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    throw new Error(`${file}: cannot create the store, the folder ${dir} is not writable (${err.code ?? err.message})`);
  }
}

function configure(db: Db, file: string): void {
  try {
    // The first read of the header is where a file that is not SQLite shows itself.
    db.pragma('journal_mode = WAL');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new Error(`${file}: not a SQLite database (${code}); move it away or use another data folder`);
    }
    throw new Error(`${file}: cannot open the store: ${(error as Error).message}`);
  }
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // NORMAL is durable across application crashes in WAL mode; only power loss may drop the last commit.
  db.pragma('synchronous = NORMAL');
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies migrations[version..] in order, each in its own transaction that also bumps
 * user_version, so a crash leaves the database at a whole version. Returns the version found.
 */
export function migrate(db: Db, file: string, migrations: readonly Migration[]): number {
  const found = schemaVersion(db);
  const latest = migrations.length;
  if (found > latest) {
    throw new Error(`${file}: the store has schema version ${found}, this version of Temper knows up to ${latest}; update Temper to open it`);
  }
  for (let version = found; version < latest; version++) {
    const step = db.transaction(() => {
      // Another process opening the same new file may have migrated it while this one waited.
      if (schemaVersion(db) > version) return;
      migrations[version](db);
      db.pragma(`user_version = ${version + 1}`);
    });
    step.immediate();
  }
  return found;
}
