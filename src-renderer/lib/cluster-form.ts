import { type ClusterProfile, type ClusterProfileInput, clusterProfileErrors } from '../../shared/cluster-profile';

/**
 * The Settings → Clusters form: text as typed, turned into a profile the shared schema checks
 * field by field (the service checks it again), and back from a saved profile for editing.
 */
export interface ClusterForm {
  name: string;
  /** 'here': Slurm's commands run on this machine (a submit host); 'prefix': through `commandPrefix`. */
  reach: 'here' | 'prefix';
  commandPrefix: string;
  partition: string;
  account: string;
  qos: string;
  timeLimit: string;
  /** Number inputs give null while empty. */
  cpusPerTask: number | null;
  gpusPerTask: number | null;
  memPerTask: string;
  /** One #SBATCH line per line. */
  extraSbatch: string;
  setup: string;
  temperCommand: string;
  exchange: string;
  maxParallel: number | null;
  requeueOnTimeout: boolean;
}

export function emptyClusterForm(): ClusterForm {
  return {
    name: '', reach: 'here', commandPrefix: '', partition: '', account: '', qos: '', timeLimit: '', cpusPerTask: 1, gpusPerTask: 0,
    memPerTask: '', extraSbatch: '', setup: '', temperCommand: 'temper', exchange: '', maxParallel: null, requeueOnTimeout: false,
  };
}

export function formOfProfile(p: ClusterProfile): ClusterForm {
  return {
    name: p.name, reach: p.commandPrefix.trim() ? 'prefix' : 'here', commandPrefix: p.commandPrefix, partition: p.partition ?? '',
    account: p.account ?? '', qos: p.qos ?? '', timeLimit: p.timeLimit ?? '', cpusPerTask: p.cpusPerTask, gpusPerTask: p.gpusPerTask,
    memPerTask: p.memPerTask ?? '', extraSbatch: p.extraSbatch.join('\n'), setup: p.setup, temperCommand: p.temperCommand,
    exchange: p.exchange, maxParallel: p.maxParallel, requeueOnTimeout: p.requeueOnTimeout,
  };
}

const orNull = (text: string) => (text.trim() === '' ? null : text.trim());

/** The profile the form describes: empty optional fields left to Slurm's defaults. */
export function profileOfForm(form: ClusterForm): ClusterProfileInput {
  return {
    name: form.name.trim(),
    commandPrefix: form.reach === 'prefix' ? form.commandPrefix.trim() : '',
    partition: orNull(form.partition),
    account: orNull(form.account),
    qos: orNull(form.qos),
    timeLimit: orNull(form.timeLimit),
    cpusPerTask: form.cpusPerTask ?? Number.NaN,
    gpusPerTask: form.gpusPerTask ?? 0,
    memPerTask: orNull(form.memPerTask),
    extraSbatch: form.extraSbatch.split('\n').map((line) => line.trim()).filter(Boolean),
    setup: form.setup.trim(),
    temperCommand: form.temperCommand.trim(),
    exchange: form.exchange.trim(),
    maxParallel: form.maxParallel ?? null,
    requeueOnTimeout: form.requeueOnTimeout,
  };
}

/** What is wrong with each field, by the form's field name; a prefix is required once chosen. */
export function clusterFormErrors(form: ClusterForm): Record<string, string> {
  const errors = clusterProfileErrors(profileOfForm(form));
  if (form.reach === 'prefix' && !form.commandPrefix.trim()) errors.commandPrefix = 'Enter the command that reaches the submit host, e.g. ssh login1';
  if (form.cpusPerTask === null || form.cpusPerTask === undefined) errors.cpusPerTask = 'Enter a whole number';
  return errors;
}

/** One line of what a profile asks Slurm for, for the list. */
export function clusterSummary(p: ClusterProfile): string {
  return [
    p.partition && `partition ${p.partition}`, p.account && `account ${p.account}`, p.qos && `QOS ${p.qos}`, p.timeLimit && `time ${p.timeLimit}`,
    `${p.cpusPerTask} CPU`, p.gpusPerTask > 0 && `${p.gpusPerTask} GPU`, p.memPerTask && `${p.memPerTask} memory`,
    p.maxParallel && `${p.maxParallel} at once`, p.requeueOnTimeout && 'requeued on time limit',
  ].filter(Boolean).join(', ');
}
