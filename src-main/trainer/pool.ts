import type { Worker } from 'node:worker_threads';
import type { BackendChoice } from '../../shared/config';
import { startWorker } from '../engine/workers/start';
import { CPU_BACKENDS, type FromWorker, type Job, type JobEvent, type ToWorker } from './protocol';

/** How long close() waits for a job to stop after cancelling it, before terminating its thread. */
const STOP_TIMEOUT_MS = 60_000;

export interface PoolOptions {
  backend: BackendChoice;
  /** Jobs trained at once on a CPU backend; a GPU backend always gets one worker. */
  cpuWorkers: number;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  cancel: Int32Array | null;
  exited: Promise<void>;
}

/**
 * The trainer pool: long-lived worker threads that load tfjs once and take jobs from a FIFO
 * queue. One worker per GPU (a native tfjs backend cannot be loaded twice in one process), up
 * to `cpuWorkers` on the CPU backends. A worker that throws or exits fails its job and is
 * replaced by the next dispatch. Events go to one listener, on the main thread.
 */
export class TrainerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  /** Known once the first worker has loaded its backend. */
  private capacity = 1;
  private closing = false;

  constructor(
    private readonly options: PoolOptions,
    private readonly listener: (event: JobEvent) => void,
  ) {}

  submit(job: Job): void {
    if (this.closing) throw new Error('the trainer pool is shutting down');
    this.queue.push(job);
    this.dispatch();
  }

  /** Jobs queued or training. */
  get size(): number {
    return this.queue.length + this.slots.filter((s) => s.job).length;
  }

  /** True when another job would start training now rather than wait. */
  get hasFreeSlot(): boolean {
    return this.queue.length === 0 && (this.slots.some((s) => !s.job) || this.slots.length < this.capacity);
  }

  /** A queued job is dropped (reported `dropped`); a running one stops before its next step. */
  cancel(key: string): boolean {
    const queued = this.queue.findIndex((j) => j.key === key);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.listener({ type: 'dropped', key });
      return true;
    }
    const slot = this.slots.find((s) => s.job?.key === key);
    if (!slot?.cancel) return false;
    Atomics.store(slot.cancel, 0, 1);
    return true;
  }

  /**
   * Cancels every job and ends the workers cooperatively: each finishes its step (and any pending
   * GPU readback) first. Only a worker that does not stop in time is terminated.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) this.listener({ type: 'dropped', key: job.key });
    for (const slot of this.slots) {
      if (slot.cancel) Atomics.store(slot.cancel, 0, 1);
      if (!slot.job) this.send(slot, { type: 'shutdown' });
    }
    await Promise.all(
      this.slots.map(async (slot) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS)));
        if ((await Promise.race([slot.exited, late])) === 'late') await slot.worker.terminate();
        clearTimeout(timer);
      }),
    );
  }

  private send(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.capacity) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      const cancel = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
      slot.job = job;
      slot.cancel = new Int32Array(cancel);
      this.send(slot, { type: 'job', job, cancel });
    }
  }

  private spawn(): Slot {
    const worker = startWorker('trainer-worker', { backend: this.options.backend });
    let markExited!: () => void;
    const slot: Slot = { worker, job: null, cancel: null, exited: new Promise((resolve) => (markExited = resolve)) };
    this.slots.push(slot);
    let lastError: Error | undefined;
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', (error) => (lastError = error));
    worker.on('exit', (code) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      markExited();
      if (slot.job) {
        const why = lastError ? lastError.message : `exit code ${code}`;
        this.finish(slot, { type: 'failed', key: slot.job.key, message: `the trainer worker stopped during ${slot.job.kind === 'train' ? 'training' : 'the sharpness job'} of run ${slot.job.runId}: ${why}` });
      }
    });
    return slot;
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') {
      // CPU backends train one job per core-set; a GPU backend is shared by jobs in turn.
      this.capacity = CPU_BACKENDS.includes(message.backend) ? Math.max(1, this.options.cpuWorkers) : 1;
      this.dispatch();
      return;
    }
    if (message.type === 'done' || message.type === 'sharpness-done' || message.type === 'failed') this.finish(slot, message);
    else this.listener(message);
  }

  private finish(slot: Slot, event: Extract<JobEvent, { type: 'done' | 'sharpness-done' | 'failed' }>): void {
    slot.job = null;
    slot.cancel = null;
    this.listener(event);
    if (this.closing) {
      if (this.slots.includes(slot)) this.send(slot, { type: 'shutdown' });
    } else {
      this.dispatch();
    }
  }
}
