import fs from 'node:fs';
import path from 'node:path';
import type { RunBundleRecord } from '../../store/clusters';
import type { TemperStore } from '../../store/interface';
import { type RunBounds, runBounds } from '../../../shared/metrics-schemas';
import { CHECKPOINT_MANIFEST } from '../../engine/checkpoint-files';
import { BUNDLE_FILES, type BundleResult, type BundleStatus, logTail, readResult, readStatus } from './bundle';
import { checkBundleLinks } from './bundle-files';
import { forEachStepBatch, readEpochLines, type RecordLimits } from './bundle-records';
import type { TaskState } from './slurm';

/** What a bundle and Slurm say about a run, as the run's next status. */
export type Decision =
  | { status: 'queued'; reason: string }
  | { status: 'running' }
  | { status: 'completed'; finalTop1: number | null }
  | { status: 'failed' | 'interrupted'; error: string }
  | { status: 'cancelled' };

const WAITING = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD']);
const ACTIVE = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED', 'STAGE_OUT', 'RESIZING', 'SIGNALING', 'STOPPED']);
/** Slurm ended the task for a reason of its own that a resume can get past. */
const STOPPED_BY_SLURM = new Set(['TIMEOUT', 'PREEMPTED', 'DEADLINE', 'CANCELLED']);
/** The task or its node failed: resuming would most likely fail the same way. */
const FAILED_BY_SLURM = new Set(['OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL']);

/** The last lines the task wrote: the bundle's log, then Slurm's output file (where a missing `temper` shows). */
export function lastLines(dir: string): string {
  let slurmOut: string[] = [];
  try {
    const outputs = fs.readdirSync(dir).filter((f) => f.startsWith('slurm-') && f.endsWith('.out')).sort();
    if (outputs.length > 0) slurmOut = fs.readFileSync(path.join(dir, outputs.at(-1)!), 'utf8').trimEnd().split('\n').slice(-5);
  } catch {
    // No output yet.
  }
  const lines = [...logTail(dir, 5), ...slurmOut].filter(Boolean);
  return lines.length ? `\nlast lines:\n${lines.join('\n')}` : '';
}

function slurmSays(task: TaskState): string {
  return `Slurm: ${task.state}${task.reason && task.reason !== 'None' ? `, ${task.reason}` : ''}`;
}

/**
 * A run's status from its bundle's result (when it wrote one) and Slurm's view of its task
 * (undefined once the controller forgot it). Undefined: nothing to change yet.
 */
export function decide(task: TaskState | undefined, result: BundleResult | undefined, status: BundleStatus | undefined, dir: string): Decision | undefined {
  // The best epoch comes from the imported epochs, chosen on validation by the store.
  if (result?.status === 'completed') return { status: 'completed', finalTop1: result.finalTop1 };
  if (result?.status === 'failed') return { status: 'failed', error: `${result.error ?? 'failed'}${lastLines(dir)}` };
  if (result?.status === 'stopped') {
    if (task && ACTIVE.has(task.state)) return undefined;
    const why = task?.state === 'TIMEOUT' ? 'the task reached its time limit' : `the task was stopped by ${result.signal ?? 'a signal'}`;
    return { status: 'interrupted', error: `interrupted: ${why}${task ? ` (${slurmSays(task)})` : ''}; resume continues from the last checkpoint` };
  }
  if (!task) return { status: 'interrupted', error: `interrupted: Slurm no longer knows the task and it left no result; resume continues from the last checkpoint${lastLines(dir)}` };
  if (WAITING.has(task.state)) return { status: 'queued', reason: task.reason };
  if (ACTIVE.has(task.state)) return status?.state === 'running' || task.state === 'RUNNING' ? { status: 'running' } : undefined;
  if (FAILED_BY_SLURM.has(task.state)) return { status: 'failed', error: `${slurmSays(task)}${lastLines(dir)}` };
  if (STOPPED_BY_SLURM.has(task.state)) return { status: 'interrupted', error: `interrupted (${slurmSays(task)}); resume continues from the last checkpoint` };
  // FAILED or COMPLETED without a result: killed once training had begun, or never got that far.
  if (status) return { status: 'interrupted', error: `interrupted: the task ended without a result (${slurmSays(task)}), e.g. killed; resume continues from the last checkpoint${lastLines(dir)}` };
  return { status: 'failed', error: `the task ended before training started (${slurmSays(task)})${lastLines(dir)}` };
}

export interface Imported {
  epochs: { epoch: number; trainLoss: number; testLoss: number; testTop1: number }[];
  status: BundleStatus | undefined;
}

/** How far a run can get, from its config and its dataset's training split as registered here. */
export function boundsOf(store: TemperStore, runId: number): RunBounds {
  const run = store.getRun(runId)!;
  const train = store.getDataset(run.dataset)?.counts.train ?? Number.MAX_SAFE_INTEGER;
  return runBounds(run.config, train);
}

/** The bytes of the checkpoint's own files (a link or a folder inside it counts nothing). */
function checkpointBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, f) => {
    const stat = fs.lstatSync(path.join(dir, f));
    return sum + (stat.isFile() ? stat.size : 0);
  }, 0);
}

/**
 * Imports the epochs and steps a bundle has written since the last import, in one write
 * transaction that re-reads how far the last import got: two pollers never import a line twice.
 * Every line is checked first against the run's bounds; a bad one stores nothing and names its line.
 */
export function importProgress(store: TemperStore, runId: number, limits: RecordLimits = {}): Imported {
  return store.transaction(() => {
    const link = store.clusters.bundleOf(runId) as RunBundleRecord;
    checkBundleLinks(link.dir);
    const bounds = boundsOf(store, runId);
    const status = readStatus(link.dir);
    // Before the epochs: a run's test set is taken only while it has none recorded on other images.
    if (status?.testSet) store.recordTestSet(runId, status.testSet);
    const epochs = readEpochLines(link.dir, bounds, link.epochsRead, limits.epochs);
    const steps = forEachStepBatch(link.dir, bounds, link.stepsRead, (batch) => store.appendStepMetrics(runId, batch), limits.steps);
    for (const metrics of epochs) store.appendEpochMetrics(runId, metrics);
    if ((status?.checkpointEpoch ?? 0) > bounds.epochs) {
      throw new Error(`${path.join(link.dir, BUNDLE_FILES.status)}: checkpointEpoch: expected an epoch of the run's ${bounds.epochs}; refused`);
    }
    const known = store.latestCheckpoint(runId);
    const dir = path.join(link.dir, BUNDLE_FILES.checkpoint);
    // A later checkpoint, or the same one in the copy the run now reads (an earlier copy may be deleted).
    const epoch = status?.checkpointEpoch ?? 0;
    const newer = epoch > (known?.epoch ?? 0) || (epoch > 0 && epoch === known?.epoch && known.path !== dir);
    if (newer && fs.existsSync(path.join(dir, CHECKPOINT_MANIFEST))) {
      store.addCheckpoint({ runId, epoch, path: dir, bytes: checkpointBytes(dir) });
    }
    if (status?.backend) store.recordBackend(runId, status.backend, status.device ?? '');
    store.clusters.recordRead(runId, link.epochsRead + epochs.length, link.stepsRead + steps);
    return { epochs: epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, testLoss: e.test.loss, testTop1: e.test.top1 })), status };
  });
}

/** Applies a decision to the run's row, only while the run is still queued or running there. */
export function applyDecision(store: TemperStore, runId: number, decision: Decision, task: TaskState | undefined, status: BundleStatus | undefined): boolean {
  return store.transaction(() => {
    const run = store.getRun(runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return false;
    store.clusters.recordSlurmState(runId, task?.state ?? null, task?.reason ?? null);
    switch (decision.status) {
      case 'queued':
        return false;
      case 'running':
        if (run.status === 'running') {
          store.heartbeat(runId);
          return false;
        }
        return store.markRunning(runId, { backend: status?.backend ?? 'slurm', device: status?.device ?? status?.host ?? '' });
      case 'completed':
        return store.finishRun(runId, { status: 'completed', finalTop1: decision.finalTop1 });
      case 'cancelled':
        return store.finishRun(runId, { status: 'cancelled' });
      case 'failed':
        return store.finishRun(runId, { status: 'failed', error: decision.error });
      case 'interrupted':
        return store.updateRunStatus(runId, 'interrupted', decision.error);
    }
  });
}

/** How the bundle's run ended, if it has. */
export function readBundleEnd(dir: string): { result: BundleResult | undefined } {
  return { result: readResult(dir) };
}
