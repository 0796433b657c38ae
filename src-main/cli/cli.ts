import { parseArgs } from 'node:util';
import { APP_VERSION } from '../../shared/version';
import { resolveHome } from '../services/home';
import { explainStorageError } from '../services/storage-errors';
import type { Command, ParsedArgs } from './command';
import { clustersCommand } from './clusters';
import { datasets } from './datasets';
import { doctor } from './doctor';
import { evalExportCommand, exportCommand } from './export';
import { compareCommand } from './compare';
import { runBundleCommand } from './run-bundle';
import { runnerCommand } from './runner';
import { runsCommand } from './runs';
import { serveCommand } from './serve';
import { sharpnessCommand } from './sharpness';
import { studyCommand } from './study';
import { groupsCommand, sweepCommand } from './sweep';
import { trainCommand } from './train';

const COMMON = {
  home: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const commands: Record<string, Command> = {
  datasets,
  doctor,
  train: trainCommand,
  runs: runsCommand,
  sweep: sweepCommand,
  groups: groupsCommand,
  compare: compareCommand,
  sharpness: sharpnessCommand,
  study: studyCommand,
  serve: serveCommand,
  runner: runnerCommand,
  'run-bundle': runBundleCommand,
  clusters: clustersCommand,
  export: exportCommand,
  'eval-export': evalExportCommand,
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `temper ${APP_VERSION}: quantization-aware training with noise tempering`,
    '',
    'Usage: temper <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options every command takes:',
    '  --home <dir>  data folder (default: TEMPER_HOME, else the platform app-data folder)',
    '  --json        machine-readable output on stdout; logs and progress go to stderr',
    '  -h, --help    help for a command',
    '  --version     print the version',
  ].join('\n');
}

function commandHelp(name: string, command: Command): string {
  return [`temper ${name}: ${command.summary}`, '', `Usage: ${command.usage}`].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return 0;
  }
  if (name === '--version') {
    console.log(APP_VERSION);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`temper: unknown command '${name}' (see temper --help)`);
    return 2;
  }
  let home = '';
  try {
    const { values, positionals } = parseArgs({ args: rest, options: { ...COMMON, ...command.options }, allowPositionals: true, strict: true });
    if (values.help) {
      console.log(commandHelp(name, command));
      return 0;
    }
    home = resolveHome(values.home as string | undefined);
    await command.run({ positionals, values: values as ParsedArgs['values'], home, json: Boolean(values.json) });
    return 0;
  } catch (error) {
    console.error(`temper ${name}: ${explainStorageError(error, home).message.split('\n')[0]}`);
    return 1;
  }
}
