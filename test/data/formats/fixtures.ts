import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import * as tar from 'tar-stream';

/** Tiny dataset files generated on the fly, so no binary fixture is committed. */

export function makeTempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'temper-formats-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFile(file: string, bytes: Uint8Array | string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

/** An IDX file: magic, big-endian dims, then the bytes. */
export function idxBytes(magic: number, dims: number[], data: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Array.from(data))]);
}

export const gzip = (bytes: Uint8Array): Buffer => gzipSync(bytes);

/** Pixel value of a CIFAR test image: distinct per record, channel and position. */
export function cifarPixel(record: number, channel: number, y: number, x: number): number {
  return (record * 7 + channel * 80 + y * 3 + x) % 256;
}

/** CIFAR records: the label bytes, then the R, G and B planes of a 32x32 image. */
export function cifarRecords(labelRows: number[][], firstRecord = 0): Buffer {
  const records = labelRows.map((labelBytes, i) => {
    const pixels = Buffer.alloc(3072);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) pixels[c * 1024 + y * 32 + x] = cifarPixel(firstRecord + i, c, y, x);
      }
    }
    return Buffer.concat([Buffer.from(labelBytes), pixels]);
  });
  return Buffer.concat(records);
}

export const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** A CIFAR-10 binary folder: two records per batch, labels counting up, record numbers unique. */
export function writeCifar10Folder(dir: string): string {
  for (let b = 1; b <= 5; b++) {
    const first = (b - 1) * 2;
    writeFile(join(dir, `data_batch_${b}.bin`), cifarRecords([[first % 10], [(first + 1) % 10]], first));
  }
  writeFile(join(dir, 'test_batch.bin'), cifarRecords([[9], [3], [0]], 100));
  writeFile(join(dir, 'batches.meta.txt'), `${CIFAR10_NAMES.join('\n')}\n\n`);
  return dir;
}

/** A .tar.gz holding the given entries. */
export async function writeTarGz(file: string, entries: { name: string; bytes: Uint8Array | string }[]): Promise<string> {
  const pack = tar.pack();
  for (const entry of entries) pack.entry({ name: entry.name }, Buffer.from(entry.bytes));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return writeFile(file, gzipSync(Buffer.concat(chunks)));
}

/** Writes an image whose pixel (x, y, channel) is `value(x, y, c)`; the extension picks the encoder. */
export async function writeImage(
  file: string,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  value: (x: number, y: number, c: number) => number,
): Promise<string> {
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) raw[(y * width + x) * channels + c] = value(x, y, c);
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  const image = sharp(raw, { raw: { width, height, channels } });
  // Without b-w, sharp writes a single channel out as RGB.
  await (channels === 1 ? image.toColourspace('b-w') : image).toFile(file);
  return file;
}
