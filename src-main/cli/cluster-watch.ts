import { ClusterPoller, DEFAULT_POLL_MS } from '../services/cluster/poller';
import type { RunService } from '../services/runs';
import type { ParsedArgs } from './command';
import { numberFlag } from './flags';
import { percent } from './format';

const FINAL = new Set(['completed', 'failed', 'cancelled', 'interrupted']);

/** --poll <seconds>: how often squeue is asked (default 10 s). */
export function pollInterval(values: ParsedArgs['values']): number {
  const seconds = numberFlag(values, 'poll');
  if (seconds !== undefined && seconds <= 0) throw new Error(`--poll must be a positive number of seconds, got ${seconds}`);
  return seconds === undefined ? DEFAULT_POLL_MS : seconds * 1000;
}

/** One pass of the cluster poller, when runs of this data folder are on a cluster (before `runs list` and `runs show`). */
export async function refreshClusterRuns(service: RunService): Promise<void> {
  const poller = new ClusterPoller(service);
  if (!poller.hasActiveRuns) return;
  poller.onError = (profile, error) => console.error(`cluster ${profile}: ${error}`);
  await poller.pollOnce();
}

/**
 * Follows cluster runs until each has ended, printing every change of status and each imported
 * epoch on stderr. Stopping this command (Ctrl-C) stops watching, not the runs.
 */
export async function watchClusterRuns(service: RunService, runIds: number[], intervalMs: number): Promise<void> {
  const poller = new ClusterPoller(service, intervalMs);
  poller.onError = (profile, error) => console.error(`cluster ${profile}: ${error}`);
  const seen = new Map<number, string>();
  const off = service.onEvent((event) => {
    if (event.type === 'run-epoch' && runIds.includes(event.id)) console.error(`run ${event.id}: epoch ${event.epoch}, test top-1 ${percent(event.testTop1)} %`);
  });
  try {
    for (;;) {
      await poller.pollOnce();
      for (const id of runIds) {
        const run = service.store.getRun(id)!;
        const link = service.store.clusters.bundleOf(id);
        const line = `${run.status}${run.status === 'queued' && link?.slurmReason && link.slurmReason !== 'None' ? ` (${link.slurmReason})` : ''}`;
        if (seen.get(id) !== line) console.error(`run ${id} (${link?.jobId ?? 'no job'}): ${line}${run.error ? `: ${run.error}` : ''}`);
        seen.set(id, line);
      }
      if (runIds.every((id) => FINAL.has(service.store.getRun(id)!.status))) return;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    off();
  }
}
