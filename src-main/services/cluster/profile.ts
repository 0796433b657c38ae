import { echo, echoPath } from '../../../shared/echo';
import { type ClusterProfile, clusterProfileSchema } from '../../../shared/cluster-profile';

export { type ClusterProfile, type ClusterProfileInput, clusterProfileSchema } from '../../../shared/cluster-profile';

/** A checked profile; the error names the profile and each bad field with what it expected. */
export function parseClusterProfile(input: unknown): ClusterProfile {
  const result = clusterProfileSchema.safeParse(input);
  if (!result.success) {
    const name = (input as { name?: unknown })?.name;
    const which = typeof name === 'string' ? `cluster profile '${echo(name)}'` : 'cluster profile';
    throw new Error(`${which}: ${result.error.issues.map((i) => `${echoPath(i.path) || '(profile)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}
