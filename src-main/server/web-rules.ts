import type { ApiMethod, TemperApi } from '../../shared/api';
import { type ClusterProfile, COMMAND_FIELDS } from '../../shared/cluster-profile';
import { echo } from '../../shared/echo';

/** A profile's command fields when none is set: Slurm's commands run here, `temper` on the nodes, no extra lines. */
const NO_COMMANDS: Pick<ClusterProfile, (typeof COMMAND_FIELDS)[number]> = { commandPrefix: '', setup: '', temperCommand: 'temper', extraSbatch: [] };

/**
 * What web mode refuses that the desktop app and the CLI allow: the command fields of a cluster
 * profile (commandPrefix, setup, temperCommand, extraSbatch) run as programs here or in the job
 * script, so whoever holds the web token could run anything. From the web a new profile has none,
 * and an edit keeps the ones the desktop app or the CLI stored. Returns the reason, or null.
 */
export async function webRefusal(api: TemperApi, method: ApiMethod, args: unknown[]): Promise<string | null> {
  if (method !== 'addCluster' && method !== 'updateCluster') return null;
  const profile = args[0] as ClusterProfile;
  const stored = method === 'updateCluster' ? (await api.listClusters()).find((p) => p.name === profile.name) : undefined;
  const allowed = stored ?? NO_COMMANDS;
  for (const field of COMMAND_FIELDS) {
    if (JSON.stringify(profile[field]) === JSON.stringify(allowed[field])) continue;
    const keep = stored ? 'keep the stored value' : `leave it ${field === 'temperCommand' ? "as 'temper'" : 'empty'}`;
    return `${method}: cluster profile '${echo(profile.name)}': ${field}: commands in a cluster profile are set from the desktop app or the CLI (temper clusters add), not from the web; ${keep}`;
  }
  return null;
}
