import { execFile, execFileSync } from 'node:child_process';
import type { ClusterProfile } from './profile';

/** Slurm's commands answer in well under this on a healthy controller. */
const COMMAND_TIMEOUT_MS = 30_000;

export type SlurmTool = 'sbatch' | 'squeue' | 'scancel' | 'sacct' | 'sinfo';

/** One word for a POSIX shell, quoted only when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The program and arguments that run a Slurm command under a profile: directly without a prefix;
 * with one (`ssh login1`), the prefix's words then the whole command as one shell line.
 */
export function slurmArgv(profile: Pick<ClusterProfile, 'commandPrefix'>, tool: SlurmTool, args: string[]): string[] {
  const prefix = profile.commandPrefix.trim();
  if (!prefix) return [tool, ...args];
  return [...prefix.split(/\s+/), [tool, ...args].map(shellQuote).join(' ')];
}

function describe(profile: ClusterProfile, argv: string[]): string {
  return profile.commandPrefix.trim() ? `'${argv.join(' ')}'` : `'${argv[0]}'`;
}

/** Why a Slurm command failed, in one line: the program missing, or what it printed. */
function failure(profile: ClusterProfile, argv: string[], error: unknown): Error {
  const err = error as NodeJS.ErrnoException & { stderr?: string | Buffer; status?: number };
  if (err.code === 'ENOENT') {
    const field = profile.commandPrefix.trim() ? `commandPrefix: '${argv[0]}' is not installed here` : `${argv[0]} is not installed here (set commandPrefix to reach a submit host, e.g. "ssh login1")`;
    return new Error(`cluster '${profile.name}': ${field}`);
  }
  const said = String(err.stderr ?? '').trim().split('\n').filter(Boolean).at(-1) ?? err.message;
  return new Error(`cluster '${profile.name}': ${describe(profile, argv)} failed: ${said}`);
}

/** Runs a Slurm command and returns its stdout; blocks (sbatch, scancel, sinfo are quick). */
export function slurmSync(profile: ClusterProfile, tool: SlurmTool, args: string[]): string {
  const argv = slurmArgv(profile, tool, args);
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw failure(profile, argv, error);
  }
}

/** Runs a Slurm command without blocking the event loop (the poller's squeue). */
export function slurm(profile: ClusterProfile, tool: SlurmTool, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> {
  const argv = slurmArgv(profile, tool, args);
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      // `killed`: the timeout ended it, which a caller may word for its own wait.
      if (error) reject(Object.assign(failure(profile, argv, Object.assign(error, { stderr })), { killed: error.killed === true }));
      else resolve(stdout);
    });
  });
}

/** One task as squeue reports it: `<array job>_<index>`, its state and Slurm's reason. */
export interface TaskState {
  state: string;
  reason: string;
}

/** All tasks of this user that the controller still knows, finished ones included (one call per poll). */
export async function queuedTasks(profile: ClusterProfile): Promise<Map<string, TaskState>> {
  const out = await slurm(profile, 'squeue', ['--me', '--noheader', '--array', '--states=all', '--format=%i|%T|%r']);
  const tasks = new Map<string, TaskState>();
  for (const line of out.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (id && state) tasks.set(id, { state, reason: reason ?? '' });
  }
  return tasks;
}

/** Submits a job script; returns the job id. `args` go before the script and override its #SBATCH lines. */
export function submitScript(profile: ClusterProfile, script: string, args: string[] = []): string {
  const out = slurmSync(profile, 'sbatch', ['--parsable', ...args, script]).trim();
  const id = out.split(';')[0];
  if (!/^\d+$/.test(id)) throw new Error(`cluster '${profile.name}': sbatch answered '${out}', expected a job id`);
  return id;
}

export interface ScriptOptions {
  jobName: string;
  /** Bundle folders are `<sweepDir>/<index>`; the script runs task $SLURM_ARRAY_TASK_ID's one. */
  sweepDir: string;
  tasks: number;
  maxParallel: number | null;
}

/** The job-array script for one sweep: one task per run, each `temper run-bundle` on its folder. */
export function sweepScript(profile: ClusterProfile, options: ScriptOptions): string {
  const { jobName, sweepDir, tasks, maxParallel } = options;
  const lines = ['#!/bin/bash', `#SBATCH --job-name=${jobName}`, `#SBATCH --array=0-${tasks - 1}${maxParallel ? `%${maxParallel}` : ''}`];
  // The task's own output sits in its bundle, beside log.txt: where a node's error messages land.
  // An emitted script names its folder by $SLURM_SUBMIT_DIR, which #SBATCH lines cannot expand: its output path is relative to it.
  lines.push(`#SBATCH --output=${sweepDir.startsWith('$') ? '' : `${sweepDir}/`}%a/slurm-%A_%a.out`);
  if (profile.partition) lines.push(`#SBATCH --partition=${profile.partition}`);
  if (profile.account) lines.push(`#SBATCH --account=${profile.account}`);
  if (profile.qos) lines.push(`#SBATCH --qos=${profile.qos}`);
  if (profile.timeLimit) lines.push(`#SBATCH --time=${profile.timeLimit}`);
  lines.push(`#SBATCH --cpus-per-task=${profile.cpusPerTask}`);
  if (profile.gpusPerTask > 0) lines.push(`#SBATCH --gpus-per-task=${profile.gpusPerTask}`);
  if (profile.memPerTask) lines.push(`#SBATCH --mem=${profile.memPerTask}`);
  lines.push(...profile.extraSbatch, '', 'set -eu');
  if (profile.setup.trim()) lines.push(profile.setup.trim());
  lines.push(`exec ${profile.temperCommand} run-bundle "${sweepDir}/$SLURM_ARRAY_TASK_ID"`, '');
  return lines.join('\n');
}
