import type { Db } from './db';

/** A run trained from a bundle folder: on a cluster (`cluster` names its profile) or imported. */
export interface RunBundleRecord {
  runId: number;
  bundleId: string;
  dir: string;
  cluster: string | null;
  /** The Slurm task: `<array job id>_<index>`. */
  jobId: string | null;
  taskIndex: number | null;
  slurmState: string | null;
  slurmReason: string | null;
  epochsRead: number;
  stepsRead: number;
  /** The seal of the bundle's bundle.json (null for a bundle linked before seals were kept). */
  seal: string | null;
}

const BUNDLE_COLUMNS = `run_id AS runId, bundle_id AS bundleId, dir, cluster, job_id AS jobId, task_index AS taskIndex,
  slurm_state AS slurmState, slurm_reason AS slurmReason, epochs_read AS epochsRead, steps_read AS stepsRead, seal`;

/** Cluster profiles (JSON, checked by the service) and the bundle rows of runs trained away from this process. */
export class ClusterQueries {
  private readonly upsertProfile;
  private readonly selectProfile;
  private readonly selectProfiles;
  private readonly deleteProfile;
  private readonly insertBundle;
  private readonly selectBundle;
  private readonly selectBundleById;
  private readonly selectActive;
  private readonly setJob;
  private readonly setSlurmState;
  private readonly setRead;
  private readonly setDir;

  constructor(db: Db) {
    this.upsertProfile = db.prepare(`INSERT INTO clusters (name, profile, created_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET profile = excluded.profile`);
    this.selectProfile = db.prepare<[string], { profile: string }>('SELECT profile FROM clusters WHERE name = ?');
    this.selectProfiles = db.prepare<[], { profile: string }>('SELECT profile FROM clusters ORDER BY name');
    this.deleteProfile = db.prepare('DELETE FROM clusters WHERE name = ?');
    this.insertBundle = db.prepare(`INSERT INTO run_bundles (run_id, bundle_id, dir, cluster, task_index, seal)
      VALUES (@runId, @bundleId, @dir, @cluster, @taskIndex, @seal)`);
    this.selectBundle = db.prepare<[number], RunBundleRecord>(`SELECT ${BUNDLE_COLUMNS} FROM run_bundles WHERE run_id = ?`);
    this.selectBundleById = db.prepare<[string], RunBundleRecord>(`SELECT ${BUNDLE_COLUMNS} FROM run_bundles WHERE bundle_id = ?`);
    this.selectActive = db.prepare<[], RunBundleRecord>(`SELECT ${BUNDLE_COLUMNS} FROM run_bundles
      WHERE cluster IS NOT NULL AND run_id IN (SELECT id FROM runs WHERE status IN ('queued', 'running')) ORDER BY run_id`);
    this.setJob = db.prepare('UPDATE run_bundles SET job_id = ?, slurm_state = NULL, slurm_reason = NULL WHERE run_id = ?');
    this.setSlurmState = db.prepare('UPDATE run_bundles SET slurm_state = ?, slurm_reason = ? WHERE run_id = ?');
    this.setDir = db.prepare('UPDATE run_bundles SET dir = ? WHERE run_id = ?');
    this.setRead = db.prepare('UPDATE run_bundles SET epochs_read = ?, steps_read = ? WHERE run_id = ?');
  }

  saveProfile(name: string, profile: unknown, now = Date.now()): void {
    this.upsertProfile.run(name, JSON.stringify(profile), now);
  }

  getProfile(name: string): unknown {
    const row = this.selectProfile.get(name);
    return row && JSON.parse(row.profile);
  }

  listProfiles(): unknown[] {
    return this.selectProfiles.all().map((r) => JSON.parse(r.profile));
  }

  removeProfile(name: string): boolean {
    return this.deleteProfile.run(name).changes === 1;
  }

  linkBundle(link: { runId: number; bundleId: string; dir: string; cluster: string | null; taskIndex: number | null; seal?: string | null }): void {
    this.insertBundle.run({ ...link, seal: link.seal ?? null });
  }

  bundleOf(runId: number): RunBundleRecord | undefined {
    return this.selectBundle.get(runId);
  }

  bundleById(bundleId: string): RunBundleRecord | undefined {
    return this.selectBundleById.get(bundleId);
  }

  /** Bundles of queued or running cluster runs: what a poller watches. */
  activeBundles(): RunBundleRecord[] {
    return this.selectActive.all();
  }

  recordJob(runId: number, jobId: string): void {
    this.setJob.run(jobId, runId);
  }

  recordSlurmState(runId: number, state: string | null, reason: string | null): void {
    this.setSlurmState.run(state, reason, runId);
  }

  /** The bundle was imported again from another folder (a fresh copy off the cluster). */
  relocateBundle(runId: number, dir: string): void {
    this.setDir.run(dir, runId);
  }

  recordRead(runId: number, epochsRead: number, stepsRead: number): void {
    this.setRead.run(epochsRead, stepsRead, runId);
  }
}
