import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { gratings } from './gratings';

export interface IdxFolderOptions {
  train: number;
  test: number;
  side?: number;
  classes?: number;
  gzip?: boolean;
}

/** One IDX file: magic (0x0000 0x08 ndims), big-endian dims, then the uint8 data. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/**
 * A small MNIST-layout folder: image n of a split has label n % classes and every pixel equal to
 * (label * 20 + n) % 256, so tests can tell images apart and check they kept their labels.
 */
export function writeIdxFolder(dir: string, options: IdxFolderOptions): void {
  const side = options.side ?? 8;
  const classes = options.classes ?? 3;
  fs.mkdirSync(dir, { recursive: true });
  for (const [prefix, count] of [['train', options.train], ['t10k', options.test]] as const) {
    const images = new Uint8Array(count * side * side);
    const labels = new Uint8Array(count);
    for (let n = 0; n < count; n++) {
      labels[n] = n % classes;
      images.fill((labels[n] * 20 + n) % 256, n * side * side, (n + 1) * side * side);
    }
    const write = (name: string, bytes: Buffer) =>
      options.gzip ? fs.writeFileSync(path.join(dir, `${name}.gz`), gzipSync(bytes)) : fs.writeFileSync(path.join(dir, name), bytes);
    write(`${prefix}-images-idx3-ubyte`, idxBytes([count, side, side], images));
    write(`${prefix}-labels-idx1-ubyte`, idxBytes([count], labels));
  }
}

/** A learnable IDX dataset: side×side gratings in 10 classes, `train` and `test` images. */
export function writeGratingsIdx(dir: string, train = 600, test = 200, side = 12): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [prefix, count, seed] of [['train', train, 1], ['t10k', test, 2]] as const) {
    const set = gratings(count, seed, side);
    fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), idxBytes([count, side, side], set.images));
    fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), idxBytes([count], Uint8Array.from(set.labels)));
  }
}
