import { execFileSync } from 'node:child_process';
import { echo } from '../../../shared/echo';

/** A healthy filesystem answers a stat, a mkdir and a small write in far less; a hung network mount never does. */
export const EXCHANGE_CHECK_MS = 15_000;

/**
 * The check, in a child process so that a folder on a hung filesystem ends in a timeout rather than
 * a hang. Refuses folders on kernel pseudo filesystems (/proc, /sys, /dev, cgroups, ...: Node's
 * recursive mkdir loops forever under /proc), creates missing folders one level at a time (never
 * recursively) when allowed, then writes and removes a probe file. Prints one line on failure.
 */
const PROBE = `
const fs = require('node:fs');
const path = require('node:path');
const [dir, create] = [process.argv[1], process.argv[2] === 'create'];
const PSEUDO = new Map([[0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'], [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'], [0x74726163, 'tracefs'], [0x73636673, 'securityfs'], [0xcafe4a11, 'bpf'], [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'], [0xde5e81e4, 'efivarfs'], [0x19800202, 'mqueue'], [0x6e736673, 'nsfs'], [0x42494e4d, 'binfmt_misc']]);
const fail = (message) => { process.stderr.write(message); process.exit(2); };
const resolved = path.resolve(dir);
if (/^\\/(proc|sys|dev)(\\/|$)/.test(resolved)) fail('it is under /' + resolved.split('/')[1] + ', a kernel pseudo filesystem, not a shared folder');
const missing = [];
let existing = resolved;
while (!fs.existsSync(existing)) { missing.unshift(path.basename(existing)); existing = path.dirname(existing); }
const real = fs.realpathSync(existing);
if (/^\\/(proc|sys|dev)(\\/|$)/.test(real)) fail(existing + ' is under /' + real.split('/')[1] + ', a kernel pseudo filesystem, not a shared folder');
const kind = PSEUDO.get(Number(fs.statfsSync(existing).type));
if (kind) fail(existing + ' is on ' + kind + ', a kernel pseudo filesystem, not a shared folder');
if (missing.length > 0 && !create) fail('no such folder (create it first)');
try {
  for (const name of missing) { existing = path.join(existing, name); fs.mkdirSync(existing); }
  if (!fs.statSync(resolved).isDirectory()) fail('not a folder');
  const probe = path.join(resolved, '.temper-probe-' + process.pid);
  fs.writeFileSync(probe, 'ok');
  fs.rmSync(probe);
} catch (error) {
  fail('cannot write into it (' + (error.code || error.message) + ')');
}
`;

export interface ExchangeCheckOptions {
  /** Create a missing exchange folder (from the desktop app and the CLI); from the web it must exist already. */
  create: boolean;
  timeoutMs?: number;
}

/** Checks that the exchange folder is a writable folder on a real filesystem; the error is one line naming the profile and folder. */
export function checkExchangeFolder(profileName: string, exchange: string, options: ExchangeCheckOptions): void {
  const timeout = options.timeoutMs ?? EXCHANGE_CHECK_MS;
  try {
    execFileSync(process.execPath, ['-e', PROBE, exchange, options.create ? 'create' : 'exists'], {
      // In Electron, process.execPath is the app: this makes it run the script as Node does.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout,
      encoding: 'utf8',
    });
  } catch (error) {
    const err = error as Error & { stderr?: string; signal?: string | null };
    const why = err.signal ? `no answer within ${Math.round(timeout / 1000)} s (a hung network filesystem?)` : (err.stderr?.trim().split('\n').at(-1) ?? err.message);
    throw new Error(`cluster '${profileName}': exchange: ${echo(exchange, 240)}: ${why}`);
  }
}
