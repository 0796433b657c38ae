import fs from 'node:fs';
import path from 'node:path';
import type { SweepRequest, TrainRequest } from '../../../shared/api';
import type { ClusterJob } from '../../../shared/cluster-profile';
import type { RunService } from '../runs';
import { checkSweepCells, expandSweep, sweepGroupName } from '../sweep';
import { BUNDLE_FILES } from './bundle';
import { sweepFolderName, writeSweepBundles } from './bundles-out';
import { type ConnectionReport, testConnection } from './connection-test';
import { checkExchangeFolder } from './exchange-check';
import { type ClusterProfile, parseClusterProfile } from './profile';
import { slurmSync, submitScript, sweepScript } from './slurm';

export const SWEEPS_FOLDER = 'sweeps';
export const SCRIPT_FILE = 'sweep.sbatch';

export interface ClusterSubmission {
  groupId: number | null;
  runIds: number[];
  jobId: string;
  sweepDir: string;
}

/**
 * Cluster profiles, and runs sent to a Slurm cluster: one job array per sweep, each task training
 * one bundle. The runs are rows like any other, marked `queued` until the poller sees them start.
 */
export interface ClusterServiceOptions {
  /** Create a missing exchange folder (true from the desktop app and the CLI); web mode sets false: it must exist already. */
  createExchange?: boolean;
}

export class ClusterService {
  constructor(
    private readonly runs: RunService,
    private readonly options: ClusterServiceOptions = {},
  ) {}

  private get store() {
    return this.runs.store;
  }

  /** Adds a profile, or replaces the one of that name (`temper clusters add`). */
  saveProfile(input: unknown): ClusterProfile {
    const profile = parseClusterProfile(input);
    this.store.clusters.saveProfile(profile.name, profile);
    return profile;
  }

  /** A new profile; refused when one of that name exists. */
  addProfile(input: unknown): ClusterProfile {
    const profile = parseClusterProfile(input);
    if (this.store.clusters.getProfile(profile.name) !== undefined) throw new Error(`cluster profile '${profile.name}': name: a profile of that name exists (edit it instead)`);
    this.store.clusters.saveProfile(profile.name, profile);
    return profile;
  }

  /** Replaces an existing profile; its runs refer to it by name, so the name stays. */
  updateProfile(input: unknown): ClusterProfile {
    const profile = parseClusterProfile(input);
    this.profile(profile.name);
    this.store.clusters.saveProfile(profile.name, profile);
    return profile;
  }

  /** A profile stored before a rule it breaks existed (a newline in a command) is left out with a line saying how to fix it; it stays stored. */
  listProfiles(): ClusterProfile[] {
    return this.store.clusters.listProfiles().flatMap((raw) => {
      try {
        return [parseClusterProfile(raw)];
      } catch (error) {
        console.error(`${(error as Error).message} (stored earlier: replace it with temper clusters add, or remove it)`);
        return [];
      }
    });
  }

  profile(name: string): ClusterProfile {
    const raw = this.store.clusters.getProfile(name);
    if (raw === undefined) {
      const known = this.store.clusters.listProfiles().map((p) => (p as { name: string }).name);
      throw new Error(`no cluster profile '${name}' (${known.length ? `known: ${known.join(', ')}` : 'add one with temper clusters add'})`);
    }
    return parseClusterProfile(raw);
  }

  /** Refused while runs on it are queued or running: nothing would follow them any more. */
  removeProfile(name: string): void {
    // Checked as stored, not parsed: a profile that breaks a newer rule can still be removed.
    if (this.store.clusters.getProfile(name) === undefined) this.profile(name);
    const active = this.store.clusters.activeBundles().filter((b) => b.cluster === name).map((b) => b.runId);
    if (active.length > 0) throw new Error(`cluster profile '${name}' has queued or running runs (${active.join(', ')}): cancel them or let them end first`);
    this.store.clusters.removeProfile(name);
  }

  /** `clusters test` and "Test connection": the checks of checkProfile, then a tiny job on a node. */
  async testProfile(name: string, timeoutMs?: number): Promise<ConnectionReport> {
    const profile = this.profile(name);
    const { partitions } = this.checkProfile(profile);
    return testConnection(profile, partitions, timeoutMs);
  }

  /**
   * What must hold before anything is queued: Slurm answers through the profile, the partition
   * exists, the exchange folder is writable. Each error names the field to fix.
   */
  checkProfile(profile: ClusterProfile): { partitions: string[] } {
    checkExchangeFolder(profile.name, profile.exchange, { create: this.options.createExchange ?? true });
    slurmSync(profile, 'sbatch', ['--version']);
    const partitions = slurmSync(profile, 'sinfo', ['--noheader', '--format=%R']).split('\n').map((p) => p.trim()).filter(Boolean);
    if (profile.partition && !partitions.includes(profile.partition)) {
      throw new Error(`cluster '${profile.name}': partition: no partition '${profile.partition}' on the cluster (it has ${partitions.join(', ') || 'none'})`);
    }
    return { partitions };
  }

  /** Sends a sweep (or one run) to a cluster as one job array; nothing is queued when any check fails. */
  async submitSweep(request: SweepRequest, profileName: string): Promise<ClusterSubmission> {
    const requests = expandSweep(request);
    return this.submit(requests, profileName, { name: sweepGroupName(request), sweep: request });
  }

  async submitRun(request: TrainRequest, profileName: string): Promise<ClusterSubmission> {
    return this.submit([request], profileName, null);
  }

  private async submit(requests: TrainRequest[], profileName: string, group: { name: string; sweep: SweepRequest } | null): Promise<ClusterSubmission> {
    const profile = this.profile(profileName);
    checkSweepCells(requests, requests.length > 1);
    const manifest = await this.runs.registerDataset(requests[0].dataset);
    this.checkProfile(profile);
    const sweepId = sweepFolderName();
    const sweepDir = path.join(profile.exchange, SWEEPS_FOLDER, sweepId);
    const runIds: number[] = [];
    let groupId: number | null = null;
    try {
      const bundles = writeSweepBundles(this.runs.home, this.store, manifest, requests, profile.exchange, sweepDir, { id: sweepId, profile: profile.name });
      if (group) groupId = this.store.insertGroup(group.name, group.sweep);
      for (const [index, { dir, bundle }] of bundles.entries()) {
        const link = (runId: number) => this.store.clusters.linkBundle({ runId, bundleId: bundle.id, dir, cluster: profile.name, taskIndex: index, seal: bundle.seal });
        runIds.push(await this.runs.submit(requests[index], { groupId: groupId ?? undefined, link }));
      }
      const script = path.join(sweepDir, SCRIPT_FILE);
      fs.writeFileSync(script, sweepScript(profile, { jobName: `temper-${groupId === null ? `run-${runIds[0]}` : `group-${groupId}`}`, sweepDir, tasks: bundles.length, maxParallel: profile.maxParallel }));
      const jobId = submitScript(profile, script);
      this.store.transaction(() => runIds.forEach((id, index) => this.store.clusters.recordJob(id, `${jobId}_${index}`)));
      return { groupId, runIds, jobId, sweepDir };
    } catch (error) {
      // Nothing stays queued that Slurm did not take.
      this.store.transaction(() => runIds.forEach((id) => this.store.deleteRun(id)));
      if (groupId !== null) this.store.deleteGroup(groupId);
      fs.rmSync(sweepDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Where a run trains away from this app, as Run detail shows it; null for a run trained here. */
  jobOf(runId: number): ClusterJob | null {
    const link = this.store.clusters.bundleOf(runId);
    return link ? { cluster: link.cluster, jobId: link.jobId, slurmState: link.slurmState, slurmReason: link.slurmReason, dir: link.dir } : null;
  }

  /** scancel for a queued or running cluster run; it becomes cancelled at once and keeps its last checkpoint in its bundle. */
  cancel(runId: number): void {
    const link = this.store.clusters.bundleOf(runId);
    const run = this.store.getRun(runId);
    if (!link?.cluster || !run) throw new Error(`run ${runId} does not train on a cluster`);
    if (run.status !== 'queued' && run.status !== 'running') throw new Error(`run ${runId} is ${run.status}; only a queued or running run can be cancelled`);
    if (link.jobId) slurmSync(this.profile(link.cluster), 'scancel', [link.jobId]);
    this.store.finishRun(runId, { status: 'cancelled', finalTop1: this.lastTop1(runId) });
    this.runs.emit({ type: 'run-status', id: runId, status: 'cancelled', error: null });
  }

  private lastTop1(runId: number): number | null {
    return this.store.epochCurves([runId])[0]?.testTop1.at(-1) ?? null;
  }

  /** A new submission of an interrupted or cancelled cluster run's task; it continues from the checkpoint in its bundle. */
  resume(runId: number): string {
    const link = this.store.clusters.bundleOf(runId);
    if (!link?.cluster || link.taskIndex === null) throw new Error(`run ${runId} does not train on a cluster`);
    const profile = this.profile(link.cluster);
    const run = this.store.getRun(runId)!;
    if (run.status !== 'interrupted' && run.status !== 'cancelled') throw new Error(`run ${runId} is ${run.status}; only an interrupted or cancelled run can be resumed`);
    this.checkProfile(profile);
    for (const file of [BUNDLE_FILES.result, BUNDLE_FILES.status]) fs.rmSync(path.join(link.dir, file), { force: true });
    const jobId = submitScript(profile, path.join(path.dirname(link.dir), SCRIPT_FILE), [`--array=${link.taskIndex}`]);
    this.store.transaction(() => {
      this.store.requeueRun(runId);
      this.store.clusters.recordJob(runId, `${jobId}_${link.taskIndex}`);
    });
    this.runs.emit({ type: 'run-status', id: runId, status: 'queued', error: null });
    return jobId;
  }
}
