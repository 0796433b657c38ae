import type { TemperStore } from '../store/interface';
import type { RunOwner } from '../store/lifecycle';
import { TrainerPool } from '../trainer/pool';
import type { Job, JobEvent } from '../trainer/protocol';
import { readSettings } from './settings';

/** How often the owner of running runs looks for cancel requests from other processes, and for queued runs. */
const POLL_MS = 250;

const isLast = (event: JobEvent) => event.type === 'done' || event.type === 'failed' || event.type === 'dropped' || event.type === 'sharpness-done';

/**
 * This process's trainer pool and its share of the cross-process queue: jobs go to the pool with
 * the handler their events go to; cancel requests written by other processes reach the pool; a
 * queue host claims queued runs while the pool has room.
 */
export class RunQueue {
  private pool: TrainerPool | undefined;
  private readonly handlers = new Map<string, (event: JobEvent) => void>();
  /** Run ids this process trains, by their job key. */
  private readonly runKeys = new Map<number, string>();
  private pollTimer: NodeJS.Timeout | undefined;
  private claimQueued: ((id: number) => void) | undefined;

  constructor(
    private readonly home: string,
    private readonly store: TemperStore,
    private readonly owner: RunOwner,
  ) {}

  /** Runs `job` on the pool; its events go to `handler` until its last one. `runId` marks a training run (cancel requests reach it). */
  submit(job: Job, handler: (event: JobEvent) => void, runId?: number): void {
    this.handlers.set(job.key, handler);
    if (runId !== undefined) this.runKeys.set(runId, job.key);
    this.startPolling();
    this.poolFor().submit(job);
  }

  cancel(key: string): boolean {
    return this.pool?.cancel(key) ?? false;
  }

  /** True when a job submitted now would go to a worker at once rather than wait behind others. */
  get hasFreeSlot(): boolean {
    return this.pool?.hasFreeSlot ?? true;
  }

  /** Stops training run `id` if this process trains it. */
  cancelRun(id: number): boolean {
    const key = this.runKeys.get(id);
    return key !== undefined && this.cancel(key);
  }

  /** Claims queued runs (from this app, the CLI's --detach or a sweep) as the pool has room, until close(). */
  serve(start: (id: number) => void): void {
    this.claimQueued = start;
    this.startPolling();
    this.poll();
  }

  async close(): Promise<void> {
    this.claimQueued = undefined;
    clearInterval(this.pollTimer);
    await this.pool?.close();
  }

  private poolFor(): TrainerPool {
    if (!this.pool) {
      const settings = readSettings(this.home);
      this.pool = new TrainerPool({ backend: settings.backend, cpuWorkers: settings.cpuWorkers }, (event) => this.route(event));
    }
    return this.pool;
  }

  private route(event: JobEvent): void {
    const handler = this.handlers.get(event.key);
    if (isLast(event)) {
      this.handlers.delete(event.key);
      for (const [id, key] of this.runKeys) if (key === event.key) this.runKeys.delete(id);
    }
    handler?.(event);
  }

  private startPolling(): void {
    this.pollTimer ??= setInterval(() => this.poll(), POLL_MS);
  }

  private poll(): void {
    for (const id of this.store.cancelRequests(this.owner)) this.cancelRun(id);
    while (this.claimQueued && (this.pool === undefined || this.pool.hasFreeSlot)) {
      const id = this.store.claimNextQueued(this.owner);
      if (id === undefined) break;
      this.claimQueued(id);
    }
  }
}
