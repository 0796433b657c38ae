import fs from 'node:fs';
import path from 'node:path';
import type { SweepRequest } from '../../../shared/api';
import type { RunService } from '../runs';
import { checkSweepCells, expandSweep } from '../sweep';
import { sweepFolderName, writeSweepBundles } from './bundles-out';
import { SCRIPT_FILE } from './clusters';
import { type ClusterProfile, parseClusterProfile } from './profile';
import { sweepScript } from './slurm';

export interface EmittedSweep {
  dir: string;
  script: string;
  tasks: number;
}

/**
 * For a cluster the app cannot reach: the sweep's bundles, the dataset cache and a ready job-array
 * script in one folder to copy over. `cd <dir> && sbatch sweep.sbatch` runs it; `temper runs import
 * <dir>` brings the results back. Nothing is stored in the data folder.
 */
export async function emitSlurmSweep(runs: RunService, request: SweepRequest, dir: string, profile?: ClusterProfile): Promise<EmittedSweep> {
  const requests = expandSweep(request);
  checkSweepCells(requests);
  const root = path.resolve(dir);
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0) throw new Error(`${root}: the folder is not empty; emit into a new folder`);
  const manifest = await runs.registerDataset(request.dataset);
  const settings = profile ?? parseClusterProfile({ name: 'emitted', exchange: root });
  try {
    const sweepId = sweepFolderName();
    writeSweepBundles(runs.home, runs.store, manifest, requests, root, root, { id: sweepId, profile: profile?.name ?? null });
    const script = path.join(root, SCRIPT_FILE);
    const jobName = `temper-${sweepId.slice(0, 19)}`;
    fs.writeFileSync(script, sweepScript(settings, { jobName, sweepDir: '${SLURM_SUBMIT_DIR}', tasks: requests.length, maxParallel: settings.maxParallel }));
    return { dir: root, script, tasks: requests.length };
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
