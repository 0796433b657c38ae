/**
 * Makes @tensorflow/tfjs-node(-gpu) 4.22 load under a newer N-API than it ships a binding for.
 * Its install puts tfjs_binding.node under lib/napi-v<N> for one N in 3…8, and at import it requires
 * the path its @mapbox/node-pre-gyp computes for the running process; in Electron 41 (Node 24,
 * N-API 10) that path can name a folder no install created, and the import fails with
 * "tfjs_binding.node can not be found". N-API is forward compatible (a binding built for N-API n
 * loads in every runtime ≥ n), so the newest shipped binding ≤ the runtime's version is linked
 * (or copied) into the path tfjs-node looks in.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const BINDING_FILE = 'tfjs_binding.node';
export const TFJS_NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** The N-API versions with a binding under <packageDir>/lib/napi-v<N>/, ascending. */
export function shippedNapiVersions(packageDir: string): number[] {
  const lib = path.join(packageDir, 'lib');
  if (!fs.existsSync(lib)) return [];
  return fs
    .readdirSync(lib)
    .map((name) => /^napi-v(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null && fs.existsSync(path.join(lib, match[0], BINDING_FILE)))
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

/** The newest of `shipped` that a runtime with N-API `runtime` can load, if any. */
export function newestUsableNapi(shipped: readonly number[], runtime: number): number | undefined {
  return shipped.filter((version) => version <= runtime).at(-1);
}

/** The N-API version of this process (Node 20: 9; Electron 41 / Node 24: 10). */
export function runtimeNapiVersion(): number {
  return Number(process.versions.napi);
}

/**
 * The binding path tfjs-node will require in this process: what its own node-pre-gyp computes
 * (the same call tfjs-node's index.js makes), else lib/napi-v<runtime N-API>.
 */
export function expectedBindingPath(packageDir: string, runtimeNapi = runtimeNapiVersion()): string {
  const packageJson = path.join(packageDir, 'package.json');
  try {
    const preGyp = createRequire(packageJson)('@mapbox/node-pre-gyp') as { find(packageJsonPath: string): string };
    return preGyp.find(packageJson);
  } catch {
    return path.join(packageDir, 'lib', `napi-v${runtimeNapi}`, BINDING_FILE);
  }
}

export interface BindingResolution {
  /** Where tfjs-node will load its binding from; it exists after ensureTfjsBinding. */
  binding: string;
  /** The shipped folder it was linked from; null when tfjs-node's own path already had it. */
  linkedFrom: string | null;
}

/** Links each file of `from` into `to` (relative symlink, a copy where links are not allowed). */
function linkFolderContents(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    const target = path.join(to, name);
    if (fs.existsSync(target)) continue;
    try {
      fs.symlinkSync(path.relative(to, path.join(from, name)), target);
    } catch {
      fs.copyFileSync(path.join(from, name), target);
    }
  }
}

/**
 * Ensures the binding path tfjs-node computes holds a binding this runtime can load. Throws, naming
 * the package and what it found, when no shipped binding fits or the folder cannot be written.
 */
export function ensureTfjsBinding(
  packageDir: string,
  { runtimeNapi = runtimeNapiVersion(), expected = expectedBindingPath(packageDir, runtimeNapi) } = {},
): BindingResolution {
  if (fs.existsSync(expected)) return { binding: expected, linkedFrom: null };
  const name = path.basename(path.dirname(packageDir)) + '/' + path.basename(packageDir);
  const shipped = shippedNapiVersions(packageDir);
  const usable = newestUsableNapi(shipped, runtimeNapi);
  if (usable === undefined) {
    const found = shipped.length > 0 ? shipped.map((v) => `napi-v${v}`).join(', ') : 'none';
    throw new Error(`${name} has no ${BINDING_FILE} this runtime can load (N-API ${runtimeNapi}; found under lib/: ${found}): reinstall it`);
  }
  const from = path.join(packageDir, 'lib', `napi-v${usable}`);
  try {
    linkFolderContents(from, path.dirname(expected));
  } catch (error) {
    throw new Error(`${name}: cannot link its N-API ${usable} binding to ${expected} (${(error as Error).message}): run the binding link step at install time`);
  }
  return { binding: expected, linkedFrom: from };
}

/** The installed folder of a package as seen from this module, or null when it is not installed. */
export function installedPackageDir(name: string): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}
