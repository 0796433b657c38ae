import type { SweepRequest } from '../../shared/api';
import { parseTrainConfig } from '../../shared/config';
import type { RunService } from './runs';
import { expandSweep } from './sweep';

/**
 * Expands a sweep into a group of queued runs. Every cell's config is validated before anything
 * is stored, so a bad value queues nothing and the error names the cell.
 */
export async function startSweep(runs: RunService, request: SweepRequest): Promise<{ groupId: number; runIds: number[] }> {
  const requests = expandSweep(request);
  requests.forEach((r, i) => {
    try {
      parseTrainConfig(r.config);
    } catch (error) {
      throw new Error(`sweep cell ${i + 1} of ${requests.length}: ${(error as Error).message}`);
    }
  });
  await runs.registerDataset(request.dataset);
  const groupId = runs.store.insertGroup(request.name ?? `sweep of ${Object.keys(request.sweep).join(' × ')}`, request);
  const runIds: number[] = [];
  for (const r of requests) runIds.push(await runs.submit(r, { groupId }));
  return { groupId, runIds };
}
