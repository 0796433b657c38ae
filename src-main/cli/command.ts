import type { parseArgs } from 'node:util';

/** One CLI command: its usage line, its flags, and what it does with them. */
export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  run: (args: ParsedArgs) => Promise<void>;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  home: string;
  json: boolean;
}
