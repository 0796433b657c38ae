import path from 'node:path';
import { DATASET_FORMATS, type DatasetFormat, type ProgressFn, SPLIT_NAMES } from '../data/dataset';
import type { DatasetManifest } from '../data/cache';
import { writeDemoDataset } from '../data/demo';
import type { ImportOptions } from '../data/import';
import { DatasetService } from '../services/datasets';
import { RunService } from '../services/runs';
import type { Command, ParsedArgs } from './command';
import { numberFlag } from './flags';
import { createProgressBar } from './progress';

type Values = ParsedArgs['values'];

/** Flags each subcommand accepts, beyond --home, --json and --help. */
const SUBCOMMAND_FLAGS: Record<string, string[]> = {
  add: ['name', 'format', 'size', 'fit', 'channels', 'strict', 'labels', 'val', 'seed'],
  list: [],
  show: [],
  remove: [],
  demo: ['seed'],
};

/** Taken by every command (cli.ts). */
const COMMON_FLAGS = ['home', 'json', 'help'];

const USAGE = [
  'temper datasets add <path> [--name <name>] [--format idx|cifar10|cifar100|image-folder] [--size 32 | 32x32]',
  '                           [--fit crop|pad] [--channels 1|3] [--strict] [--labels fine|coarse] [--val 0.1] [--seed 0] [--json]',
  '       temper datasets list [--json]',
  '       temper datasets show <name> [--json]',
  '       temper datasets remove <name>',
  '       temper datasets demo <dir> [--seed 0]',
].join('\n');

function oneOf<T extends string>(value: string | boolean | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new Error(`--${flag} must be one of ${allowed.join(', ')}, got '${String(value)}'`);
  return value as T;
}

/** `--size 32` is 32x32; `--size 28x32` is 28 high, 32 wide. */
export function parseSize(value: string): [number, number] {
  const match = /^(\d+)(?:x(\d+))?$/i.exec(value.trim());
  const dims = match ? [Number(match[1]), Number(match[2] ?? match[1])] : [];
  if (dims.length !== 2 || dims.some((d) => d < 1 || d > 4096)) {
    throw new Error(`--size must be <side> or <height>x<width> with sides 1 to 4096, e.g. 32 or 32x32; got '${value}'`);
  }
  return dims as [number, number];
}

function importOptionsOf(values: Values): ImportOptions {
  const options: ImportOptions = {};
  if (values.name !== undefined) options.name = String(values.name);
  options.format = oneOf<DatasetFormat>(values.format, 'format', DATASET_FORMATS);
  if (values.size !== undefined) options.size = parseSize(String(values.size));
  options.fit = oneOf(values.fit, 'fit', ['crop', 'pad'] as const);
  const channels = oneOf(values.channels, 'channels', ['1', '3'] as const);
  if (channels) options.channels = channels === '1' ? 1 : 3;
  if (values.strict) options.strict = true;
  options.cifar100Labels = oneOf(values.labels, 'labels', ['fine', 'coarse'] as const);
  if (values.val !== undefined) {
    const val = Number(values.val);
    if (!Number.isFinite(val)) throw new Error(`--val must be a fraction such as 0.1, got '${String(values.val)}'`);
    options.valFraction = val;
  }
  options.seed = numberFlag(values, 'seed', 'nonNegative');
  for (const key of Object.keys(options) as (keyof ImportOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}

function splitCounts(m: DatasetManifest): string {
  return SPLIT_NAMES.filter((s) => m.splits[s])
    .map((s) => `${s} ${m.splits[s]!.count}${m.carvedSplits.includes(s) ? ' (carved)' : ''}`)
    .join(', ');
}

function describe(m: DatasetManifest): string {
  const fixed = (xs: number[]) => xs.map((x) => x.toFixed(4)).join(', ');
  const lines = [
    `${m.name}: ${m.format}, ${m.shape.join('x')}, ${m.classes.length} classes`,
    `  source:   ${m.source}`,
    `  splits:   ${splitCounts(m)}`,
    `  classes:  ${m.classes.join(', ')}`,
    `  mean:     ${fixed(m.mean)}`,
    `  std:      ${fixed(m.std)}`,
    `  hash:     ${m.contentHash}`,
    `  created:  ${m.createdAt} (temper ${m.appVersion})`,
  ];
  const notes = Object.entries(m.notes).map(([k, v]) => `${k}=${String(v)}`);
  if (notes.length > 0) lines.push(`  notes:    ${notes.join(', ')}`);
  if (m.skipped.length > 0) {
    lines.push(`  skipped:  ${m.skipped.length} file${m.skipped.length === 1 ? '' : 's'}`);
    for (const s of m.skipped.slice(0, 10)) lines.push(`    ${s.file}: ${s.reason}`);
    if (m.skipped.length > 10) lines.push(`    ... and ${m.skipped.length - 10} more (see --json)`);
  }
  return lines.join('\n');
}

function table(manifests: DatasetManifest[]): string {
  const header = ['NAME', 'FORMAT', 'SHAPE', 'CLASSES', 'TRAIN', 'VAL', 'TEST'];
  const rows = manifests.map((m) => [m.name, m.format, m.shape.join('x'), String(m.classes.length), ...SPLIT_NAMES.map((s) => String(m.splits[s]?.count ?? '-'))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function onePositional(positionals: string[], what: string, sub: string): string {
  if (positionals.length !== 1) throw new Error(`datasets ${sub} takes exactly one ${what}, got ${positionals.length}`);
  return positionals[0];
}

const print = (value: unknown) => console.log(JSON.stringify(value));

async function run({ positionals, values, home, json }: ParsedArgs): Promise<void> {
  const [sub, ...rest] = positionals;
  const flags = sub === undefined ? undefined : SUBCOMMAND_FLAGS[sub];
  if (!flags) throw new Error(`expected a subcommand (${Object.keys(SUBCOMMAND_FLAGS).join(', ')}), got ${sub === undefined ? 'none' : `'${sub}'`}`);
  const stray = Object.keys(values).filter((k) => values[k] !== undefined && values[k] !== false && !COMMON_FLAGS.includes(k) && !flags.includes(k));
  if (stray.length > 0) throw new Error(`datasets ${sub} does not take --${stray.join(', --')}`);
  const service = new DatasetService(home);

  if (sub === 'add') {
    const source = onePositional(rest, 'path', sub);
    const options = importOptionsOf(values);
    const bar = createProgressBar('importing');
    const started = performance.now();
    // Files inside the source are shown relative to it, so the bar has room for them.
    const prefix = path.resolve(source) + path.sep;
    const update: ProgressFn = (done, total, what) => bar.update(done, total, what.startsWith(prefix) ? what.slice(prefix.length) : what);
    const manifest = await service.add(source, options, update);
    bar.finish(`imported '${manifest.name}' (${splitCounts(manifest)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(json ? JSON.stringify(manifest) : describe(manifest));
  } else if (sub === 'list') {
    if (rest.length > 0) throw new Error(`datasets list takes no arguments, got '${rest.join(' ')}'`);
    const manifests = await service.list();
    if (json) print(manifests);
    else console.log(manifests.length > 0 ? table(manifests) : `no datasets in ${home} (add one with: temper datasets add <path>)`);
  } else if (sub === 'show') {
    const manifest = await service.show(onePositional(rest, 'dataset name', sub));
    console.log(json ? JSON.stringify(manifest) : describe(manifest));
  } else if (sub === 'remove') {
    const name = onePositional(rest, 'dataset name', sub);
    const runs = new RunService(home);
    try {
      await runs.removeDataset(name);
    } finally {
      await runs.close();
    }
    if (json) print({ removed: name });
    else console.log(`removed ${name}`);
  } else {
    const dir = onePositional(rest, 'folder', sub);
    const bar = createProgressBar('writing');
    const seed = numberFlag(values, 'seed', 'nonNegative');
    const result = await writeDemoDataset(dir, seed === undefined ? {} : { seed }, bar.update);
    bar.finish(`wrote the demo dataset to ${dir}: ${result.count} images in ${result.classes.length} classes`);
    if (json) print({ dir, classes: result.classes, count: result.count });
    else console.log(`import it with: temper datasets add ${dir}`);
  }
}

export const datasets: Command = {
  summary: 'register dataset folders and archives, list, show and remove them, write the demo dataset',
  usage: USAGE,
  options: {
    name: { type: 'string' },
    format: { type: 'string' },
    size: { type: 'string' },
    fit: { type: 'string' },
    channels: { type: 'string' },
    strict: { type: 'boolean' },
    labels: { type: 'string' },
    val: { type: 'string' },
    seed: { type: 'string' },
  },
  run,
};
