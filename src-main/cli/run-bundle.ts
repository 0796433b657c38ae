import os from 'node:os';
import { runBundle } from '../services/cluster/run-bundle';
import type { Command } from './command';
import { numberFlag } from './flags';

/** Threads for a run: what Slurm gave the task, else every core of this machine. */
function defaultThreads(): number {
  const slurm = Number(process.env.SLURM_CPUS_PER_TASK);
  return Number.isInteger(slurm) && slurm > 0 ? slurm : Math.max(1, os.availableParallelism());
}

export const runBundleCommand: Command = {
  summary: 'train one run from a bundle folder (what cluster tasks run), writing its progress into the folder',
  usage: 'temper run-bundle <folder> [--threads <n>]\n  the folder holds bundle.json (written by temper sweep --on / --emit-slurm); see README "Clusters"',
  options: { threads: { type: 'string' } },
  async run({ positionals, values, json }) {
    const [dir] = positionals;
    if (!dir || positionals.length !== 1) throw new Error('run-bundle takes one bundle folder');
    const threads = numberFlag(values, 'threads', 'integer') ?? defaultThreads();
    if (threads < 1) throw new Error(`--threads must be at least 1, got ${threads}`);
    const outcome = await runBundle(dir, { threads });
    if (json) console.log(JSON.stringify(outcome));
    else console.log(`${dir}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}`);
    if (outcome.status === 'failed') throw new Error(outcome.error ?? 'the run failed');
  },
};
