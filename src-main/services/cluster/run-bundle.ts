import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StepProgress } from '../../../shared/metrics';
import { TrainerPool } from '../../trainer/pool';
import { type JobEvent, runKey, type TrainJob } from '../../trainer/protocol';
import { BUNDLE_FILES, type BundleResult, type BundleStatus, readBundle, writeJsonAtomic } from './bundle';
import { verifySharedDataset } from './exchange';

/** status.json is rewritten at most this often while steps run; epochs and the end rewrite it at once. */
const HEARTBEAT_MS = 2000;
/** steps.jsonl gets one append per this interval, not one per report. */
const STEP_FLUSH_MS = 1000;

export interface BundleOutcome {
  status: BundleResult['status'];
  error: string | null;
}

/** The files a training run writes into its bundle, each append or rewrite whole. */
class BundleWriter {
  private status: BundleStatus;
  private lastBeat = 0;
  private steps: StepProgress[] = [];
  private lastStepFlush = Date.now();

  constructor(private readonly dir: string) {
    this.status = { state: 'starting', host: os.hostname(), pid: process.pid, backend: null, device: null, epoch: 0, step: 0, totalSteps: 0, checkpointEpoch: null, heartbeatAt: '' };
  }

  file(name: keyof typeof BUNDLE_FILES): string {
    return path.join(this.dir, BUNDLE_FILES[name]);
  }

  log(line: string): void {
    fs.appendFileSync(this.file('log'), `${new Date().toISOString()} ${line}\n`);
  }

  beat(patch: Partial<BundleStatus>, force = false): void {
    this.status = { ...this.status, ...patch };
    if (!force && Date.now() - this.lastBeat < HEARTBEAT_MS) return;
    this.lastBeat = Date.now();
    writeJsonAtomic(this.file('status'), { ...this.status, heartbeatAt: new Date().toISOString() });
  }

  step(progress: StepProgress): void {
    this.steps.push(progress);
    if (Date.now() - this.lastStepFlush >= STEP_FLUSH_MS) this.flushSteps();
  }

  /** One write per batch of lines, each ending in a newline: a reader ignores an unfinished last line. */
  flushSteps(): void {
    this.lastStepFlush = Date.now();
    if (this.steps.length === 0) return;
    fs.appendFileSync(this.file('steps'), this.steps.map((s) => `${JSON.stringify(s)}\n`).join(''));
    this.steps = [];
  }

  epoch(line: unknown): void {
    this.flushSteps();
    fs.appendFileSync(this.file('epochs'), `${JSON.stringify(line)}\n`);
  }

  finish(result: Omit<BundleResult, 'finishedAt' | 'backend' | 'device'>): void {
    this.flushSteps();
    writeJsonAtomic(this.file('result'), { ...result, backend: this.status.backend, device: this.status.device, finishedAt: new Date().toISOString() });
    this.beat({ state: result.status }, true);
  }
}

/**
 * Trains the run a bundle describes, on this machine's trainer pool (the same worker code as the
 * app), writing its progress into the bundle. A checkpoint in the bundle means the run was stopped
 * before: it continues from there. SIGTERM or SIGINT (scancel, Slurm's time limit) stops it at the
 * next step, with its last checkpoint kept and result.json saying `stopped`.
 */
export async function runBundle(bundleDir: string, options: { threads: number }): Promise<BundleOutcome> {
  const dir = path.resolve(bundleDir);
  const bundle = readBundle(dir);
  const writer = new BundleWriter(dir);
  fs.rmSync(writer.file('result'), { force: true });
  const datasetsRoot = path.resolve(dir, bundle.dataset.datasets);
  const checkpoint = writer.file('checkpoint');
  const resume = fs.existsSync(path.join(checkpoint, 'checkpoint.json'));
  const parent = writer.file('parent');
  writer.log(`${resume ? 'resuming' : 'starting'} on ${os.hostname()} (pid ${process.pid})`);
  writer.beat({}, true);
  try {
    verifySharedDataset(datasetsRoot, bundle.dataset.checksum);
  } catch (error) {
    const message = (error as Error).message;
    writer.log(`failed: ${message}`);
    writer.finish({ status: 'failed', finalTop1: null, bestTop1: null, error: message, signal: null });
    return { status: 'failed', error: message };
  }
  const job: TrainJob = {
    kind: 'train',
    key: runKey(0),
    runId: 0,
    config: bundle.config,
    backend: bundle.config.backend,
    home: path.dirname(datasetsRoot),
    dataset: bundle.dataset.checksum,
    format: bundle.dataset.format,
    checkpointDir: checkpoint,
    resumeFrom: resume ? checkpoint : undefined,
    initFrom: !resume && bundle.parent ? parent : undefined,
    threads: options.threads,
    progressEvery: 10,
  };
  return trainJob(job, writer);
}

function trainJob(job: TrainJob, writer: BundleWriter): Promise<BundleOutcome> {
  let signal: NodeJS.Signals | null = null;
  return new Promise<BundleOutcome>((resolve) => {
    const pool = new TrainerPool({ backend: job.backend, cpuWorkers: 1 }, (event) => {
      const outcome = onEvent(event, writer, signal);
      if (outcome) {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        void pool.close().then(() => resolve(outcome));
      }
    });
    const stop = (received: NodeJS.Signals) => {
      signal = received;
      writer.log(`${received}: stopping after this step`);
      pool.cancel(job.key);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    pool.submit(job);
  });
}

function onEvent(event: JobEvent, writer: BundleWriter, signal: NodeJS.Signals | null): BundleOutcome | undefined {
  switch (event.type) {
    case 'started':
      writer.log(`training on ${event.backend} (${event.device})`);
      writer.beat({ state: 'running', backend: event.backend, device: event.device, testSet: event.testSet }, true);
      return undefined;
    case 'progress':
      writer.step(event.progress);
      writer.beat({ epoch: event.progress.epoch, step: event.progress.step, totalSteps: event.progress.totalSteps });
      return undefined;
    case 'epoch': {
      const { epoch, trainLoss, test } = event.metrics;
      writer.epoch(event.metrics);
      writer.log(`epoch ${epoch}: train loss ${trainLoss.toFixed(4)}, test top-1 ${(test.top1 * 100).toFixed(2)} %`);
      return undefined;
    }
    case 'checkpoint':
      writer.beat({ checkpointEpoch: event.epoch }, true);
      return undefined;
    case 'done': {
      const status = event.status === 'completed' ? 'completed' : 'stopped';
      writer.log(status === 'completed' ? 'completed' : `stopped by ${signal ?? 'a cancel'}; the last checkpoint is kept`);
      writer.finish({ status, finalTop1: event.finalTop1, bestTop1: event.bestTop1, error: null, signal });
      return { status, error: null };
    }
    case 'failed':
    case 'dropped': {
      const message = event.type === 'failed' ? event.message : 'the job was dropped before it started';
      writer.log(`failed: ${message}`);
      writer.finish({ status: 'failed', finalTop1: null, bestTop1: null, error: message, signal });
      return { status: 'failed', error: message };
    }
    default:
      return undefined;
  }
}
