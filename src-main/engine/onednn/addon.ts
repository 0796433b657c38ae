import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Temper oneDNN addon (native/onednn), as its C++ side exports it. */
export interface OneDnnAddon {
  info(): { version: string; isa: string; threads: number };
  setThreads(threads: number): void;
  /** kind 0: x * filter → y; 1: dy (y) * filter → dx (x); 2: x, dy (y) → dFilter. */
  conv(kind: 0 | 1 | 2, x: Float32Array, filter: Float32Array, y: Float32Array, params: Float64Array): void;
  matMul(a: Float32Array, b: Float32Array, c: Float32Array, batchA: number, batchB: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): void;
  binary(op: number, a: Float32Array, modeA: number, b: Float32Array, modeB: number, out: Float32Array, rows: number, cols: number, group: number): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, mid: number, inner: number): void;
  /** noise: the noise itself, or the four state words of the Rng to draw U(−halfWidth, halfWidth) from. */
  fakeQuant(x: Float32Array, step: number, noise: Float32Array | Uint32Array | null, mode: number, qn: number, qp: number, lambda: number,
    value: Float32Array, inside: Float32Array, perElement: Float32Array, halfWidth: number): void;
  /** dx = dy·inside; returns Σ dy·perElement, summed in double. */
  fakeQuantGrad(dy: Float32Array, inside: Float32Array, perElement: Float32Array, dx: Float32Array): number;
  batchNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number,
    y: Float32Array, xhat: Float32Array, mean: Float32Array, variance: Float32Array, invStd: Float32Array): void;
  batchNormBackward(dy: Float32Array, xhat: Float32Array, gamma: Float32Array, invStd: Float32Array, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array): void;
}

const ADDON_FILE = path.join('native', 'onednn', 'build', 'Release', 'temper_onednn.node');
const INSTALL_HINT = 'apt install libdnnl-dev build-essential (Fedora: dnf install onednn-devel gcc-c++; macOS: brew install onednn), then npm rebuild temper';

/** The project root: the first folder upwards holding package.json (source, out/ bundles and packaged app alike). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Where the addon is, or would be once built; TEMPER_ONEDNN_ADDON overrides it. */
export function addonPath(): string {
  return process.env.TEMPER_ONEDNN_ADDON ?? path.join(projectRoot(), ADDON_FILE);
}

let loaded: OneDnnAddon | undefined;

/** Loads the addon once per thread, or throws one line saying why it is missing and how to get it. */
export function loadOneDnnAddon(): OneDnnAddon {
  if (loaded) return loaded;
  const file = addonPath();
  if (!existsSync(file)) {
    const status = path.join(path.dirname(path.dirname(file)), 'status.txt');
    const why = existsSync(status) ? readFileSync(status, 'utf8').trim() : 'the oneDNN addon is not built';
    throw new Error(`${why}: ${INSTALL_HINT}`);
  }
  try {
    loaded = createRequire(import.meta.url)(file) as OneDnnAddon;
  } catch (error) {
    throw new Error(`the oneDNN addon failed to load (${(error as Error).message.split('\n')[0]}): ${INSTALL_HINT}`);
  }
  return loaded;
}
