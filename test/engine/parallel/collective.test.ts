import { describe, expect, it } from 'vitest';
import { abortBarrier } from '../../../src-main/engine/parallel/barrier';
import { allocateCollective, type CollectiveBuffers } from '../../../src-main/engine/parallel/collective';
import { startWorkerFile as startWorker } from '../../../src-main/engine/workers/start';
import { type CollectiveScenario, contribution } from './collective-worker';

const ENTRY = new URL('./collective-worker.ts', import.meta.url);

type Task = Omit<CollectiveScenario, 'rank' | 'buffers'>;

/** Starts one worker per rank on the scenario; resolves with each rank's result message. */
function runRanks(worldSize: number, buffers: CollectiveBuffers, task: Task, onArriving?: () => void): Promise<Record<string, unknown>[]> {
  let arriving = 0;
  return Promise.all(
    Array.from(
      { length: worldSize },
      (_, rank) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const worker = startWorker(ENTRY, { ...task, rank, buffers });
          worker.on('message', (message: Record<string, unknown>) => {
            if (message.arriving) {
              if (++arriving === worldSize) onArriving?.();
              return;
            }
            resolve(message);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  );
}

describe('Collective across worker threads', () => {
  it('averages, broadcasts and sums; every rank gets bit-identical results in rank order', async () => {
    const length = 1000;
    const rounds = 7;
    const buffers = allocateCollective(2, length);
    const [a, b] = (await runRanks(2, buffers, { scenario: 'rounds', rounds, length, timeoutMs: 20_000 })) as {
      means: Float32Array[];
      broadcasts: Float32Array[];
      sums: number[][];
    }[];
    for (let round = 0; round < rounds; round++) {
      const [r0, r1] = [contribution(0, round, length), contribution(1, round, length)];
      const expected = Float32Array.from(r0, (v, i) => (v + r1[i]) / 2);
      expect(Buffer.from(a.means[round].buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      expect(Buffer.from(b.means[round].buffer).equals(Buffer.from(a.means[round].buffer))).toBe(true);
      const rankZero = contribution(0, round + 100, length);
      expect(a.broadcasts[round]).toEqual(rankZero);
      expect(b.broadcasts[round]).toEqual(rankZero);
      expect(a.sums[round]).toEqual([2 * round + 1, 0.1]);
      expect(b.sums[round]).toEqual(a.sums[round]);
    }
  });

  it('sums in rank order with three ranks, identically on each', async () => {
    const length = 257;
    const buffers = allocateCollective(3, length);
    const results = (await runRanks(3, buffers, { scenario: 'rounds', rounds: 3, length, timeoutMs: 20_000 })) as { means: Float32Array[] }[];
    const [r0, r1, r2] = [0, 1, 2].map((rank) => contribution(rank, 2, length));
    const expected = Float32Array.from(r0, (v, i) => (v + r1[i] + r2[i]) / 3);
    for (const { means } of results) expect(Buffer.from(means[2].buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  });

  it('reports ranks that make different calls', async () => {
    const results = await runRanks(2, allocateCollective(2, 4), { scenario: 'mismatch', rounds: 0, length: 4, timeoutMs: 20_000 });
    for (const result of results) expect(result.error).toMatch(/rank \d made a different call .*same collective calls in the same order/);
  });

  it('times out instead of waiting forever for a rank that never arrives', async () => {
    const [waiting] = await runRanks(2, allocateCollective(2, 4), { scenario: 'absent', rounds: 0, length: 4, timeoutMs: 300 });
    expect(waiting.error).toMatch(/Collective.barrier \(call 0\) on rank 0: timed out after 300 ms/);
  });

  it('wakes waiting ranks when the run is aborted', async () => {
    const buffers = allocateCollective(3, 4);
    // Two of three ranks wait; the third never comes, so only the abort can release them.
    const results = runRanks(2, buffers, { scenario: 'wait', rounds: 0, length: 4, timeoutMs: 20_000 }, () => setTimeout(() => abortBarrier(buffers.barrier), 200));
    for (const result of await results) {
      expect(result.name).toBe('BarrierAbortedError');
      expect(result.error).toMatch(/another replica failed/);
    }
  });
});
