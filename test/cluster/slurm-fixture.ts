import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(import.meta.dirname, 'slurm-cluster.sh');

export interface SlurmCluster {
  /** The generated slurm.conf; SLURM_CONF points at it for this process and its children. */
  conf: string;
  dir: string;
  stop: () => void;
}

/**
 * Starts a single-node Slurm cluster on localhost (munge, slurmctld, slurmd; see slurm-cluster.sh)
 * for one test file. Where it cannot start, tests skip with the reason, except in CI (CI=true),
 * where that is a failure.
 */
export function startSlurm(): SlurmCluster | { skip: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-slurm-'));
  try {
    const conf = execFileSync(SCRIPT, ['start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
    process.env.SLURM_CONF = conf;
    return {
      conf,
      dir,
      stop: () => {
        execFileSync(SCRIPT, ['stop', dir], { stdio: 'ignore', timeout: 60_000 });
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    const why = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    if (process.env.CI === 'true') throw new Error(`CI needs the test Slurm cluster, and it did not start: ${why}`);
    return { skip: `no Slurm cluster here (${why})` };
  }
}
