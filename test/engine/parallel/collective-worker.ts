// Worker entry for collective.test.ts: runs one scenario of collective calls and posts what it got.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Collective, type CollectiveBuffers } from '../../../src-main/engine/parallel/collective';

export interface CollectiveScenario {
  rank: number;
  buffers: CollectiveBuffers;
  scenario: 'rounds' | 'mismatch' | 'absent' | 'wait';
  rounds: number;
  length: number;
  timeoutMs: number;
}

/** The values rank `rank` contributes in round `round`: awkward floats whose sums round. */
export function contribution(rank: number, round: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin(1 + i * 0.37 + round * 1.3 + rank * 2.1) * 10 ** ((i % 7) - 3));
}

/** Runs the scenario in workerData and posts { ok } or { error, name } ('wait' posts { arriving } first). */
function run(task: CollectiveScenario): void {
  const collective = new Collective(task.buffers, task.rank, task.timeoutMs);
  try {
    if (task.scenario === 'rounds') {
      const means: Float32Array[] = [];
      const broadcasts: Float32Array[] = [];
      const sums: number[][] = [];
      for (let round = 0; round < task.rounds; round++) {
        means.push(collective.allReduceMean(contribution(task.rank, round, task.length)).slice());
        broadcasts.push(collective.broadcast(contribution(task.rank, round + 100, task.length)));
        sums.push(collective.allReduceSum([task.rank + round, 0.1 * task.rank]));
      }
      parentPort!.postMessage({ means, broadcasts, sums });
    } else if (task.scenario === 'mismatch') {
      if (task.rank === 0) collective.allReduceMean(new Float32Array(4));
      else collective.allReduceSum([1]);
    } else if (task.scenario === 'absent') {
      if (task.rank === 0) collective.barrierSync();
    } else {
      parentPort!.postMessage({ arriving: true });
      collective.barrierSync();
    }
    parentPort!.postMessage({ ok: true });
  } catch (error) {
    parentPort!.postMessage({ error: (error as Error).message, name: (error as Error).constructor.name });
  }
}

// The test imports contribution() from this file; only a worker runs the scenario.
if (!isMainThread) run(workerData as CollectiveScenario);
