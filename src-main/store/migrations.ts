import type Database from 'better-sqlite3';

/**
 * The schema's later steps, after the studies tables (store/schema.ts lists them all in order):
 * each adds what a newer Temper records and says what rows stored before it read as.
 */

/** One forward step of the schema; migration i takes user_version i to i + 1. */
export type Migration = (db: Database.Database) => void;

/**
 * A bundle's seal (the sha256 written into bundle.json when it was emitted), kept with the run it
 * became: a later import of the same bundle id must carry the same seal. NULL for bundles linked before.
 */
export const addBundleSeals: Migration = (db) => {
  db.exec('ALTER TABLE run_bundles ADD COLUMN seal TEXT');
};

/**
 * Which test images a run is evaluated on (docs/method.md §6): their count and a short hash of
 * which. Runs stored before are unknown (NULL), and their Δ vs parent, which may mix test sets
 * (the subset used to follow the run's seed), is cleared: both final top-1 values stay.
 */
export const addTestSet: Migration = (db) => {
  db.exec(`
    ALTER TABLE runs ADD COLUMN test_images INTEGER;
    ALTER TABLE runs ADD COLUMN test_set TEXT;
    UPDATE runs SET drop_vs_parent = NULL;
  `);
};

/** Why a run recorded before validation metrics has no best (its stored best had been chosen on test). */
export const BEST_BEFORE_VALIDATION = 'recorded before Temper measured validation (its old best was chosen on the test split)';

/**
 * Validation (docs/method.md): each epoch's loss and top-1 on the val split, and the run's best
 * epoch, chosen on them. runs.best_top1 stays a test top-1, the best epoch's. Bests recorded
 * before were chosen on test: they are cleared and say why (the epochs' test top-1 stay stored).
 */
export const addValidation: Migration = (db) => {
  db.exec(`
    ALTER TABLE epoch_metrics ADD COLUMN val_loss REAL;
    ALTER TABLE epoch_metrics ADD COLUMN val_top1 REAL;
    ALTER TABLE runs ADD COLUMN best_epoch INTEGER;
    ALTER TABLE runs ADD COLUMN best_unavailable TEXT;
  `);
  db.prepare('UPDATE runs SET best_top1 = NULL, best_unavailable = ? WHERE EXISTS (SELECT 1 FROM epoch_metrics e WHERE e.run_id = runs.id)').run(BEST_BEFORE_VALIDATION);
};

/** The process that runs a study (its pid on its host): a study left `running` by a process that is gone reads interrupted. */
export const addStudyOwner: Migration = (db) => {
  db.exec(`
    ALTER TABLE studies ADD COLUMN owner_pid INTEGER;
    ALTER TABLE studies ADD COLUMN owner_host TEXT;
  `);
};
