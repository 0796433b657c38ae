import { z } from 'zod';
import { strictObject } from './config';

/** Control characters: a newline in a field would add a line of its own to the job script. */
const CONTROL = /[\x00-\x1f\x7f]/;
/** One line of text, at most `max` characters. */
const line = (max: number) =>
  z.string().max(max, `expected at most ${max} characters`).refine((s) => !CONTROL.test(s), 'expected one line without control characters (newline, tab, ...)');
/** A command run by the shell: one line, empty or with a word in it. */
const command = (max: number) => line(max).refine((s) => s === '' || s.trim() !== '', 'blank: give a command or leave it empty');
const slurmName = (what: string) => line(128).regex(/^[\w.-]+$/, `expected ${what}`);

/** How long a command field may be (a path and a few words). */
export const COMMAND_MAX = 1024;

/**
 * A cluster profile: how to reach Slurm's commands, what each task asks for, how a node runs
 * Temper, and the exchange folder both sides read and write. Shared so that the Settings form
 * checks each field with the same rules as the service. Strict: a mistyped field is an error.
 */
export const clusterProfileSchema = strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'expected 1 to 64 letters, digits, ".", "_" or "-"'),
  /** Runs Slurm's commands elsewhere: a command that takes one shell command line, e.g. `ssh login1`. Empty: run them here. */
  commandPrefix: command(COMMAND_MAX).default(''),
  partition: slurmName('a partition name').nullable().default(null),
  account: slurmName('an account name').nullable().default(null),
  qos: slurmName('a QOS name').nullable().default(null),
  /** Slurm's time format: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM:SS. */
  timeLimit: line(32).regex(/^(\d+-)?\d+(:\d+){0,2}$/, 'expected a Slurm time such as 30, 01:00:00 or 1-00:00:00').nullable().default(null),
  cpusPerTask: z.number().int().min(1).max(1024).default(1),
  gpusPerTask: z.number().int().min(0).max(64).default(0),
  /** Slurm's --mem: a number with an optional K, M, G or T suffix. */
  memPerTask: line(32).regex(/^\d+[KMGT]?$/, 'expected a size such as 4G or 8000M').nullable().default(null),
  /** Lines added to the job script as they are, each starting with #SBATCH. */
  extraSbatch: z.array(line(512).regex(/^#SBATCH\s+\S/, 'each line must start with "#SBATCH "')).max(64).default([]),
  /** A shell line run before each task, e.g. `module load nodejs`. */
  setup: command(COMMAND_MAX).default(''),
  /** How a node starts Temper, e.g. `/shared/temper/bin/temper.js` or `npx temper`. */
  temperCommand: line(COMMAND_MAX).refine((s) => s.trim() !== '', 'blank: give the command that starts Temper on a node, e.g. temper').default('temper'),
  /** A folder on a shared filesystem, at the same path here and on the nodes (POSIX, as on the nodes). */
  exchange: line(4096).regex(/^\//, 'expected an absolute path'),
  /** Tasks of one sweep that run at once (the %K of --array=0-N%K); null: no limit. */
  maxParallel: z.number().int().min(1).max(100_000).nullable().default(null),
  /** A task stopped at its time limit is submitted again at once, from its last checkpoint. */
  requeueOnTimeout: z.boolean().default(false),
});

/** The fields that hold shell commands or reach the job script as they are: set from the desktop app or the CLI only, never from the web. */
export const COMMAND_FIELDS = ['commandPrefix', 'setup', 'temperCommand', 'extraSbatch'] as const;

export type ClusterProfile = z.infer<typeof clusterProfileSchema>;
export type ClusterProfileInput = z.input<typeof clusterProfileSchema>;

/** What a field of a profile got wrong, by field name ('' for the profile as a whole). */
export function clusterProfileErrors(input: unknown): Record<string, string> {
  const result = clusterProfileSchema.safeParse(input);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) errors[String(issue.path[0] ?? '')] ??= issue.message;
  return errors;
}

/** What "Test connection" found: the tiny job's id and node, and the backend `temper doctor` picked there. */
export interface ConnectionReport {
  jobId: string;
  node: string;
  backend: string;
  device: string;
  partitions: string[];
}

/** Where a run trains away from this app: its cluster profile, Slurm task and what Slurm last said. */
export interface ClusterJob {
  /** The profile's name; null for a bundle imported from a folder. */
  cluster: string | null;
  /** `<array job id>_<index>`. */
  jobId: string | null;
  /** Slurm's state (PENDING, RUNNING, TIMEOUT, ...) at the last poll, and its reason (Priority, Resources, ...). */
  slurmState: string | null;
  slurmReason: string | null;
  /** The run's bundle folder in the exchange folder: its log.txt and Slurm's output. */
  dir: string;
}
