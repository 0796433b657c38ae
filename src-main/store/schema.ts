import { RUN_STATUSES } from '../../shared/records';
import { addBundleSeals, addStudyOwner, addTestSet, addValidation, type Migration } from './migrations';

export { addTestSet, addValidation, BEST_BEFORE_VALIDATION, type Migration } from './migrations';

export { RUN_STATUSES, type RunStatus } from '../../shared/records';

const statusList = RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Version 1. Times are integer milliseconds since the epoch; JSON columns hold text. Metrics
 * tables are WITHOUT ROWID on (run_id, ...) so a run's curve is one contiguous range of the file.
 */
const V1_SQL = `
    CREATE TABLE datasets (
      name          TEXT PRIMARY KEY,
      format        TEXT NOT NULL,
      shape         TEXT NOT NULL,
      classes       TEXT NOT NULL,
      counts        TEXT NOT NULL,
      content_hash  TEXT NOT NULL,
      manifest_path TEXT NOT NULL,
      created_at    INTEGER NOT NULL
    );

    CREATE TABLE groups (
      id         INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      sweep      TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );

    CREATE TABLE runs (
      id             INTEGER PRIMARY KEY,
      name           TEXT,
      config         TEXT NOT NULL,
      model          TEXT NOT NULL,
      dataset        TEXT NOT NULL REFERENCES datasets(name),
      quantizer      TEXT NOT NULL,
      bits           INTEGER,
      seed           INTEGER NOT NULL,
      status         TEXT NOT NULL DEFAULT 'queued' CHECK (status IN (${statusList})),
      parent_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      group_id       INTEGER REFERENCES groups(id) ON DELETE SET NULL,
      created_at     INTEGER NOT NULL,
      started_at     INTEGER,
      finished_at    INTEGER,
      heartbeat_at   INTEGER,
      backend        TEXT,
      device         TEXT,
      app_version    TEXT,
      git_commit     TEXT,
      dataset_hash   TEXT,
      best_top1      REAL,
      final_top1     REAL,
      drop_vs_parent REAL,
      error          TEXT,
      epochs_done    INTEGER NOT NULL DEFAULT 0,
      epochs_total   INTEGER NOT NULL
    );
    CREATE INDEX runs_by_status ON runs(status, created_at);
    CREATE INDEX runs_by_model ON runs(model, created_at);
    CREATE INDEX runs_by_dataset ON runs(dataset, created_at);
    CREATE INDEX runs_by_quantizer_bits ON runs(quantizer, bits, created_at);
    CREATE INDEX runs_by_group ON runs(group_id);
    CREATE INDEX runs_by_parent ON runs(parent_id);
    CREATE INDEX runs_by_created ON runs(created_at);
    CREATE INDEX runs_by_best_top1 ON runs(best_top1);
    CREATE INDEX runs_by_final_top1 ON runs(final_top1);

    CREATE TABLE epoch_metrics (
      run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      epoch          INTEGER NOT NULL,
      step           INTEGER NOT NULL,
      train_loss     REAL,
      train_top1     REAL,
      test_loss      REAL,
      test_top1      REAL,
      test_top5      REAL,
      lr             REAL,
      lambda         REAL,
      seconds        REAL,
      images_per_sec REAL,
      PRIMARY KEY (run_id, epoch)
    ) WITHOUT ROWID;

    CREATE TABLE step_metrics (
      run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step           INTEGER NOT NULL,
      loss           REAL,
      lr             REAL,
      lambda         REAL,
      images_per_sec REAL,
      PRIMARY KEY (run_id, step)
    ) WITHOUT ROWID;

    CREATE TABLE layer_stats (
      run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      epoch               INTEGER NOT NULL,
      layer               TEXT NOT NULL,
      weight_step         REAL,
      weight_mean_abs_err REAL,
      weight_clip         REAL,
      input_step          REAL,
      input_mean_abs_err  REAL,
      input_clip          REAL,
      lambda              REAL,
      PRIMARY KEY (run_id, epoch, layer)
    ) WITHOUT ROWID;

    CREATE TABLE checkpoints (
      id         INTEGER PRIMARY KEY,
      run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      epoch      INTEGER NOT NULL,
      path       TEXT NOT NULL,
      bytes      INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (run_id, epoch)
    );

    CREATE TABLE tags (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      tag    TEXT NOT NULL,
      PRIMARY KEY (run_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX tags_by_tag ON tags(tag, run_id);

    CREATE TABLE notes (
      id         INTEGER PRIMARY KEY,
      run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      text       TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX notes_by_run ON notes(run_id);
`;

const createV1: Migration = (db) => {
  db.exec(V1_SQL);
};

/**
 * Version 2: which process trains a run, so a run whose process died is found at once (not after
 * the heartbeat goes stale), and cancel requests from another process (the CLI) reach the owner.
 */
const addRunOwner: Migration = (db) => {
  db.exec(`
    ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
    ALTER TABLE runs ADD COLUMN owner_host TEXT;
    ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
  `);
};

/**
 * Version 3: sharpness results (docs/method.md §5). A run can have several, each with the parameters it
 * was measured with; the headline numbers are columns, the whole result (landscape curves) JSON.
 */
const addSharpness: Migration = (db) => {
  db.exec(`
    CREATE TABLE sharpness (
      id           INTEGER PRIMARY KEY,
      run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      status       TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
      params       TEXT NOT NULL,
      result       TEXT,
      trace        REAL,
      trace_stderr REAL,
      eigen        REAL,
      perturb_mean REAL,
      error        TEXT,
      owner_pid    INTEGER,
      owner_host   TEXT,
      created_at   INTEGER NOT NULL,
      finished_at  INTEGER
    );
    CREATE INDEX sharpness_by_run ON sharpness(run_id, id);
  `);
};

/**
 * Version 4: runs trained elsewhere (a Slurm cluster, an imported bundle). Cluster profiles are
 * JSON; a run's bundle row says where its files are, which Slurm task trains it, and how many lines
 * of its epochs.jsonl / steps.jsonl are already imported, so two pollers never import a line twice.
 */
const addClusters: Migration = (db) => {
  db.exec(`
    CREATE TABLE clusters (
      name       TEXT PRIMARY KEY,
      profile    TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );

    CREATE TABLE run_bundles (
      run_id       INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
      bundle_id    TEXT NOT NULL UNIQUE,
      dir          TEXT NOT NULL,
      cluster      TEXT,
      job_id       TEXT,
      task_index   INTEGER,
      slurm_state  TEXT,
      slurm_reason TEXT,
      epochs_read  INTEGER NOT NULL DEFAULT 0,
      steps_read   INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX run_bundles_by_cluster ON run_bundles(cluster);
  `);
};

/**
 * Levels used (docs/method.md §5.4): how many of a quantizer's 2^b grid levels the recorded batch
 * occupied. Rows written before it stay NULL and show as unknown.
 */
export const addLevelsUsed: Migration = (db) => {
  db.exec(`
    ALTER TABLE layer_stats ADD COLUMN weight_levels INTEGER;
    ALTER TABLE layer_stats ADD COLUMN input_levels INTEGER;
  `);
};

/**
 * Version 6: a run's history. Each lifecycle change (created, started, cancel requested, cancelled,
 * interrupted, resumed, completed, failed) is a row with its time and the epoch and step it
 * happened at, so the log and the curves can show cancels and resumes. Epoch rows get the time they
 * were recorded, for curves against wall time.
 */
const addRunEvents: Migration = (db) => {
  db.exec(`
    CREATE TABLE run_events (
      id      INTEGER PRIMARY KEY,
      run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      kind    TEXT NOT NULL,
      at      INTEGER NOT NULL,
      epoch   INTEGER NOT NULL,
      step    INTEGER NOT NULL,
      detail  TEXT
    );
    CREATE INDEX run_events_by_run ON run_events(run_id, id);
    ALTER TABLE epoch_metrics ADD COLUMN recorded_at INTEGER;
  `);
};

/**
 * Studies: a spec (parent, grid, recipe, measures, baseline) whose runs share a group; each run's
 * row says which cell and seed it is and which sharpness job measured it. Touches no other table.
 */
const addStudies: Migration = (db) => {
  db.exec(`
    CREATE TABLE studies (
      id            INTEGER PRIMARY KEY,
      name          TEXT NOT NULL,
      spec          TEXT NOT NULL,
      group_id      INTEGER REFERENCES groups(id) ON DELETE SET NULL,
      parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      status        TEXT NOT NULL CHECK (status IN ('created', 'running', 'completed', 'failed')),
      error         TEXT,
      created_at    INTEGER NOT NULL
    );

    CREATE TABLE study_runs (
      study_id     INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      cell         TEXT NOT NULL,
      seed         INTEGER NOT NULL,
      sharpness_id INTEGER REFERENCES sharpness(id) ON DELETE SET NULL,
      PRIMARY KEY (study_id, run_id)
    ) WITHOUT ROWID;
    CREATE INDEX study_runs_by_run ON study_runs(run_id);
  `);
};

export const MIGRATIONS: readonly Migration[] = [
  createV1, addRunOwner, addSharpness, addClusters, addLevelsUsed, addRunEvents, addStudies, addBundleSeals, addTestSet, addValidation, addStudyOwner,
];
