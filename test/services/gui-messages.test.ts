import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Messages the GUI can show come from the services and everything below them, and from the
 * renderer: they name the form field or setting, never a flag of the `temper` command line.
 * Allowed where only the command line can reach the message.
 */
const CLI_ONLY = [
  { file: 'src-main/server/server.ts', text: 'pick another with --port' },
  { file: 'src-main/services/runs.ts', text: 'resume it with --detach' },
  // Quotes the command Temper itself ran on a cluster node.
  { file: 'src-main/services/cluster/connection-test.ts', text: "doctor --json' printed no report" },
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return /\.(ts|svelte)$/.test(entry.name) ? [rel] : [];
  });
}

/** The flags the CLI's commands declare (`name: { type: 'string' | 'boolean' }` in src-main/cli). */
function cliFlags(): string[] {
  const flags = new Set<string>();
  for (const file of sourceFiles('src-main/cli')) {
    for (const m of fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/'?([a-z][a-z-]*)'?: \{ type: '(?:string|boolean)'/g)) flags.add(m[1]);
  }
  return [...flags];
}

/** Code without its comments, so a comment may still say what the CLI calls a thing. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('messages the GUI can show', () => {
  it('name no command-line flag outside the CLI', () => {
    const flags = cliFlags();
    expect(flags).toEqual(expect.arrayContaining(['backend', 'name', 'home', 'limit-train', 'init-from']));
    const pattern = new RegExp(`--(?:${flags.join('|')})\\b`);
    const files = [...sourceFiles('src-main'), ...sourceFiles('shared'), ...sourceFiles('src-renderer')].filter((f) => !f.startsWith(path.join('src-main', 'cli')));
    const found = files.flatMap((file) =>
      withoutComments(fs.readFileSync(path.join(ROOT, file), 'utf8'))
        .split('\n')
        // Below the renderer, the messages are the errors thrown; in it, every text it shows.
        .filter((line) => (file.startsWith('src-renderer') || line.includes('Error(')) && line.search(pattern) >= 0 && !CLI_ONLY.some((a) => file === a.file && line.includes(a.text)))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });
});
