import fs from 'node:fs';
import path from 'node:path';
import type { ConnectionReport } from '../../../shared/cluster-profile';
import type { ClusterProfile } from './profile';
import { slurm, sweepScript } from './slurm';
import { sweepFolderName } from './bundles-out';

/** How long `clusters test` waits for its tiny job, queue time included. */
export const TEST_JOB_TIMEOUT_MS = 10 * 60_000;

export type { ConnectionReport };

/**
 * A tiny job with the profile's settings: it prints the node's name and `temper doctor --json`
 * into the exchange folder, proving the whole path (sbatch, the partition, the setup line, the
 * Temper command, the shared folder) works before a sweep relies on it.
 */
export async function testConnection(profile: ClusterProfile, partitions: string[], timeoutMs = TEST_JOB_TIMEOUT_MS): Promise<ConnectionReport> {
  const dir = path.join(profile.exchange, 'tests', sweepFolderName());
  fs.mkdirSync(dir, { recursive: true });
  // Removed whatever happens: the errors carry the job's output, and a failed test leaves nothing behind.
  try {
    return await runTestJob(profile, dir, partitions, timeoutMs);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    removeIfEmpty(path.dirname(dir));
  }
}

async function runTestJob(profile: ClusterProfile, dir: string, partitions: string[], timeoutMs: number): Promise<ConnectionReport> {
  const script = sweepScript(profile, { jobName: 'temper-test', sweepDir: dir, tasks: 1, maxParallel: null })
    .replace(/^exec .*$/m, `hostname > "${dir}/node.txt"\n${profile.temperCommand} doctor --json > "${dir}/doctor.json"`);
  const file = path.join(dir, 'test.sbatch');
  fs.mkdirSync(path.join(dir, '0'));
  fs.writeFileSync(file, script);
  const out = await slurm(profile, 'sbatch', ['--parsable', '--wait', file], timeoutMs).catch((error: Error & { killed?: boolean }) => {
    const output = readIfThere(path.join(dir, '0'), (f) => f.endsWith('.out'));
    // A busy queue: the job may still be pending; say so rather than Node's "Command failed".
    const message = error.killed ? `cluster '${profile.name}': the test job did not finish within ${Math.round(timeoutMs / 1000)} s (still pending? see squeue --me)` : error.message;
    throw new Error(`${message}${output ? `\njob output:\n${output}` : ''}`);
  });
  const node = readIfThere(dir, (f) => f === 'node.txt').trim();
  let doctor: { selected?: string; device?: string };
  try {
    doctor = JSON.parse(fs.readFileSync(path.join(dir, 'doctor.json'), 'utf8'));
  } catch {
    throw new Error(`cluster '${profile.name}': temperCommand: '${profile.temperCommand} doctor --json' printed no report on ${node || 'the node'}: ${readIfThere(path.join(dir, '0'), (f) => f.endsWith('.out')).trim() || 'no output'}`);
  }
  return { jobId: out.trim().split(';')[0], node, backend: doctor.selected ?? 'unknown', device: doctor.device ?? '', partitions };
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty: another test is under way, or left by an older version.
  }
}

function readIfThere(dir: string, match: (file: string) => boolean): string {
  try {
    const file = fs.readdirSync(dir).find(match);
    return file ? fs.readFileSync(path.join(dir, file), 'utf8') : '';
  } catch {
    return '';
  }
}
