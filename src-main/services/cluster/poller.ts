import type { RunBundleRecord } from '../../store/clusters';
import type { RunService } from '../runs';
import { ClusterService } from './clusters';
import type { BundleStatus } from './bundle';
import { applyDecision, type Decision, decide, importProgress, readBundleEnd } from './bundle-state';
import { type ClusterProfile, parseClusterProfile } from './profile';
import { queuedTasks, type TaskState } from './slurm';

export const DEFAULT_POLL_MS = 10_000;
/** The longest wait between tries while a controller does not answer. */
const MAX_BACKOFF_MS = 5 * 60_000;

interface Backoff {
  failures: number;
  nextAt: number;
  error: string;
}

/**
 * Watches the runs this data folder sent to clusters: one squeue call per profile per pass, then
 * each run's bundle. New epochs go into the store as they land; a run's status follows Slurm and
 * its bundle. A profile whose controller does not answer is tried again after 2, 4, 8... intervals
 * (at most 5 minutes), and its runs keep their status meanwhile.
 */
export class ClusterPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly backoff = new Map<string, Backoff>();
  private stopped = false;
  /** Called with each squeue failure (the CLI prints it; the app logs it). */
  onError: (profile: string, error: string) => void = () => {};

  constructor(
    private readonly runs: RunService,
    readonly intervalMs = DEFAULT_POLL_MS,
  ) {}

  /** Polls every interval until stop(); the first pass starts at once. */
  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      void this.pollOnce().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** True while some run of this data folder is queued or running on a cluster. */
  get hasActiveRuns(): boolean {
    return this.runs.store.clusters.activeBundles().length > 0;
  }

  /** One pass over every profile with active runs; concurrent calls share the pass. */
  pollOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const byProfile = new Map<string, RunBundleRecord[]>();
    for (const link of this.runs.store.clusters.activeBundles()) {
      const list = byProfile.get(link.cluster!) ?? [];
      list.push(link);
      byProfile.set(link.cluster!, list);
    }
    for (const [name, links] of byProfile) await this.pollProfile(name, links);
  }

  private async pollProfile(name: string, links: RunBundleRecord[]): Promise<void> {
    const waiting = this.backoff.get(name);
    if (waiting && Date.now() < waiting.nextAt) return;
    const raw = this.runs.store.clusters.getProfile(name);
    if (raw === undefined) return;
    const profile: ClusterProfile = parseClusterProfile(raw);
    let tasks;
    try {
      tasks = await queuedTasks(profile);
    } catch (error) {
      const failures = (waiting?.failures ?? 0) + 1;
      const delay = Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** failures);
      const message = (error as Error).message;
      this.backoff.set(name, { failures, nextAt: Date.now() + delay, error: message });
      this.onError(name, `${message} (next try in ${Math.round(delay / 1000)} s)`);
      return;
    }
    this.backoff.delete(name);
    for (const link of links) {
      if (this.stopped) return;
      // Stored but not yet taken by sbatch (the submitting process is between the two).
      if (!link.jobId) continue;
      this.updateRun(link, tasks.get(link.jobId), profile);
    }
  }

  private updateRun(link: RunBundleRecord, task: TaskState | undefined, profile: ClusterProfile): void {
    const { runId } = link;
    try {
      // The result is read before the progress: whatever the run wrote before its result is then imported too.
      const { result } = readBundleEnd(link.dir);
      const imported = importProgress(this.runs.store, runId);
      for (const e of imported.epochs) this.runs.emit({ type: 'run-epoch', id: runId, ...e });
      const decision = decide(task, result, imported.status, link.dir);
      if (!decision) return;
      // A task that started and ended between two polls still passes through running, so its backend and start are kept.
      const ended = decision.status !== 'queued' && decision.status !== 'running';
      if (ended && imported.status && this.runs.store.getRun(runId)?.status === 'queued') this.apply(runId, { status: 'running' }, task, imported.status, profile);
      this.apply(runId, decision, task, imported.status, profile);
    } catch (error) {
      this.onError(link.cluster!, `run ${runId}: ${(error as Error).message}`);
    }
  }

  private apply(runId: number, decision: Decision, task: TaskState | undefined, status: BundleStatus | undefined, profile: ClusterProfile): void {
    if (!applyDecision(this.runs.store, runId, decision, task, status)) return;
    const run = this.runs.store.getRun(runId)!;
    this.runs.emit({ type: 'run-status', id: runId, status: run.status, error: run.error });
    // The profile asks for it: a task stopped at its time limit goes back to Slurm from its checkpoint.
    if (run.status === 'interrupted' && task?.state === 'TIMEOUT' && profile.requeueOnTimeout) new ClusterService(this.runs).resume(runId);
  }
}
