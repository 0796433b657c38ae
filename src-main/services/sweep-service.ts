import type { SweepRequest } from '../../shared/api';
import type { RunService } from './runs';
import { checkSweepCells, expandSweep, sweepGroupName } from './sweep';

/**
 * Expands a sweep into a group of queued runs. Every cell's config is validated before anything
 * is stored, so a bad value queues nothing and the error names the cell.
 */
export async function startSweep(runs: RunService, request: SweepRequest): Promise<{ groupId: number; runIds: number[] }> {
  const requests = expandSweep(request);
  checkSweepCells(requests);
  await runs.registerDataset(request.dataset);
  const groupId = runs.store.insertGroup(sweepGroupName(request), request);
  const runIds: number[] = [];
  for (const r of requests) runIds.push(await runs.submit(r, { groupId }));
  return { groupId, runIds };
}
