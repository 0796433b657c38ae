import os from 'node:os';
import path from 'node:path';

/**
 * The data folder: `--home`, else TEMPER_HOME, else the platform's app-data location.
 * The CLI, the web mode and the desktop app resolve it the same way, so they share one store.
 */
export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const chosen = explicit ?? env.TEMPER_HOME;
  if (chosen) return path.resolve(chosen);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Temper');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Temper');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'temper');
}

/** `target` resolved against `root`; refused when it leaves it ('..', an absolute path elsewhere). */
export function insideFolder(root: string, target: string, what: string): string {
  const resolved = path.resolve(root, target);
  const relative = path.relative(path.resolve(root), resolved);
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new Error(`${what} '${target}' is outside the data folder ${root}`);
  }
  return resolved;
}
