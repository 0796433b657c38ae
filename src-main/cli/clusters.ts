import { ClusterService } from '../services/cluster/clusters';
import type { ClusterProfile, ClusterProfileInput } from '../services/cluster/profile';
import { RunService } from '../services/runs';
import type { Command, ParsedArgs } from './command';
import { numberFlag, textFlag } from './flags';
import { readJsonObject } from './json-file';

/** The profile from --from profile.json and the flags given (flags win); the schema checks every field. */
function profileOf(name: string | undefined, values: ParsedArgs['values'], extraSbatch: string[]): ClusterProfileInput {
  const file = textFlag(values, 'from');
  const input = (file ? readJsonObject(file) : {}) as Partial<ClusterProfileInput>;
  const text: [keyof ClusterProfileInput, string][] = [
    ['commandPrefix', 'prefix'], ['partition', 'partition'], ['account', 'account'], ['qos', 'qos'], ['timeLimit', 'time'],
    ['memPerTask', 'mem'], ['setup', 'setup'], ['temperCommand', 'temper'], ['exchange', 'exchange'],
  ];
  for (const [field, flag] of text) {
    const value = textFlag(values, flag);
    if (value !== undefined) (input as Record<string, unknown>)[field] = value;
  }
  const numbers: [keyof ClusterProfileInput, string][] = [['cpusPerTask', 'cpus'], ['gpusPerTask', 'gpus'], ['maxParallel', 'max-parallel']];
  for (const [field, flag] of numbers) {
    const value = numberFlag(values, flag, 'nonNegative');
    if (value !== undefined) (input as Record<string, unknown>)[field] = value;
  }
  if (extraSbatch.length > 0) input.extraSbatch = extraSbatch;
  if (values['requeue-on-timeout']) input.requeueOnTimeout = true;
  if (name !== undefined) input.name = name;
  return input as ClusterProfileInput;
}

function describe(p: ClusterProfile): string {
  const asks = [
    p.partition && `partition ${p.partition}`, p.account && `account ${p.account}`, p.qos && `qos ${p.qos}`, p.timeLimit && `time ${p.timeLimit}`,
    `${p.cpusPerTask} cpu`, p.gpusPerTask > 0 && `${p.gpusPerTask} gpu`, p.memPerTask && `mem ${p.memPerTask}`, p.maxParallel && `at most ${p.maxParallel} at once`, p.requeueOnTimeout && 'requeued on time limit',
  ].filter(Boolean);
  return `${p.name}  via ${p.commandPrefix || '(this machine)'}  exchange ${p.exchange}  ${asks.join(', ')}  temper: ${p.temperCommand}${p.setup ? `  setup: ${p.setup}` : ''}`;
}

export const clustersCommand: Command = {
  summary: 'add, list, test and remove Slurm cluster profiles (for sweep/train --on <profile>)',
  usage: [
    'temper clusters add <name> --exchange <shared folder> [--prefix "ssh login1"] [--partition p] [--account a] [--qos q]',
    '              [--time 01:00:00] [--cpus n] [--gpus n] [--mem 8G] [--sbatch "#SBATCH --constraint=a100" ...]',
    '              [--setup "module load nodejs"] [--temper "/shared/temper/bin/temper.js"] [--max-parallel K]',
    '              [--requeue-on-timeout] [--from profile.json]',
    '       temper clusters list [--json]',
    '       temper clusters test <name> [--json]    submits a tiny job: node name and the backend temper doctor picks there',
    '       temper clusters remove <name>',
  ].join('\n'),
  options: {
    from: { type: 'string' }, prefix: { type: 'string' }, partition: { type: 'string' }, account: { type: 'string' }, qos: { type: 'string' },
    time: { type: 'string' }, cpus: { type: 'string' }, gpus: { type: 'string' }, mem: { type: 'string' }, sbatch: { type: 'string', multiple: true },
    setup: { type: 'string' }, temper: { type: 'string' }, exchange: { type: 'string' }, 'max-parallel': { type: 'string' },
    'requeue-on-timeout': { type: 'boolean' },
  },
  async run({ positionals, values, home, json }) {
    const [sub, name, ...rest] = positionals;
    if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}`);
    const runs = new RunService(home);
    const clusters = new ClusterService(runs);
    try {
      if (sub === 'add') {
        const sbatch = (values.sbatch as unknown as string[] | undefined) ?? [];
        const file = textFlag(values, 'from');
        let profile: ClusterProfile;
        try {
          profile = clusters.saveProfile(profileOf(name, values, sbatch));
        } catch (error) {
          throw file ? new Error(`${file}: ${(error as Error).message}`) : error;
        }
        console.log(json ? JSON.stringify(profile) : `saved ${describe(profile)}\ncheck it with: temper clusters test ${profile.name}`);
      } else if (sub === 'list') {
        const profiles = clusters.listProfiles();
        console.log(json ? JSON.stringify(profiles) : profiles.map(describe).join('\n') || 'no cluster profiles (temper clusters add)');
      } else if (sub === 'test') {
        if (!name) throw new Error('clusters test takes a profile name');
        const report = await clusters.testProfile(name);
        console.log(json ? JSON.stringify(report) : `${name}: job ${report.jobId} ran on ${report.node}; temper picked ${report.backend} (${report.device}); partitions: ${report.partitions.join(', ')}`);
      } else if (sub === 'remove') {
        if (!name) throw new Error('clusters remove takes a profile name');
        clusters.removeProfile(name);
        console.log(json ? JSON.stringify({ removed: name }) : `removed cluster profile ${name}`);
      } else {
        throw new Error(`expected a subcommand (add, list, test, remove), got ${sub === undefined ? 'none' : `'${sub}'`}`);
      }
    } finally {
      await runs.close();
    }
  },
};
