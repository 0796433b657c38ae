import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { DatasetError, type DecodedDataset, type ProgressFn, type RawSplit } from '../dataset';

/** The binary versions of CIFAR-10 and CIFAR-100 (Krizhevsky), as a folder or as the downloaded .tar.gz. */

export interface CifarOptions {
  /** CIFAR-100 only: the 100 fine classes or the 20 coarse superclasses. */
  labels: 'fine' | 'coarse';
}

const SIDE = 32;
const CHANNELS = 3;
const PIXELS = SIDE * SIDE * CHANNELS;

interface CifarLayout {
  format: 'cifar10' | 'cifar100';
  folder: string;
  train: string[];
  test: string[];
  /** Bytes before the pixels of each record, and which of them is the label. */
  labelBytes: number;
  labelOffset: (options: CifarOptions) => number;
  namesFile: (options: CifarOptions) => string;
  /** Records in each record file of the published dataset: the most an archive entry may hold. */
  recordsPerFile: (name: string) => number;
}

/** A class-names file is a few hundred bytes; this is far above any real one. */
const MAX_NAMES_FILE_BYTES = 64 * 1024;
/** The published archives inflate to about 180 MB; anything past this is not CIFAR (size limit). */
export const MAX_CIFAR_ARCHIVE_BYTES = 512 * 1024 * 1024;

const CIFAR10: CifarLayout = {
  format: 'cifar10',
  folder: 'cifar-10-batches-bin',
  train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  test: ['test_batch.bin'],
  labelBytes: 1,
  labelOffset: () => 0,
  namesFile: () => 'batches.meta.txt',
  recordsPerFile: () => 10_000,
};

// Each CIFAR-100 record is <coarse label><fine label><pixels>.
const CIFAR100: CifarLayout = {
  format: 'cifar100',
  folder: 'cifar-100-binary',
  train: ['train.bin'],
  test: ['test.bin'],
  labelBytes: 2,
  labelOffset: (options) => (options.labels === 'coarse' ? 0 : 1),
  namesFile: (options) => `${options.labels}_label_names.txt`,
  recordsPerFile: (name) => (name === 'train.bin' ? 50_000 : 10_000),
};

const MARKERS = `${CIFAR10.train[0]}, ${CIFAR100.train[0]}`;

/** Named file contents, and how to name each in an error. */
interface CifarFiles {
  layout: CifarLayout;
  contents: Map<string, Buffer>;
  describe: (name: string) => string;
  sourceFiles: string[];
}

/** Reads CIFAR-10 or CIFAR-100 from the extracted folder, its parent, or the .tar.gz archive. */
export async function readCifar(source: string, options: CifarOptions, onProgress?: ProgressFn): Promise<DecodedDataset> {
  const info = await stat(source).catch(() => {
    throw new DatasetError(source, 'does not exist or cannot be read');
  });
  const files = info.isDirectory()
    ? await readCifarFolder(source, options, onProgress)
    : await readCifarArchive(source, options, onProgress);
  return decodeCifar(files, options);
}

/** The folder that holds the record files: `source` itself or its cifar-10/100 subfolder. */
async function findCifarFolder(source: string): Promise<{ dir: string; layout: CifarLayout }> {
  const names = new Set(await readdir(source));
  if (names.has(CIFAR10.train[0])) return { dir: source, layout: CIFAR10 };
  if (names.has(CIFAR100.train[0])) return { dir: source, layout: CIFAR100 };
  for (const layout of [CIFAR10, CIFAR100]) {
    if (names.has(layout.folder)) return findCifarFolder(join(source, layout.folder));
  }
  throw new DatasetError(source, `contains none of ${MARKERS}, ${CIFAR10.folder}/, ${CIFAR100.folder}/`);
}

async function readCifarFolder(source: string, options: CifarOptions, onProgress?: ProgressFn): Promise<CifarFiles> {
  const { dir, layout } = await findCifarFolder(source);
  const needed = neededFiles(layout, options);
  const present = new Set(await readdir(dir));
  const missing = needed.filter((name) => !present.has(name));
  if (missing.length > 0) throw new DatasetError(dir, `is missing ${missing.join(', ')}`);

  const contents = new Map<string, Buffer>();
  for (const [i, name] of needed.entries()) {
    onProgress?.(i, needed.length, join(dir, name));
    contents.set(name, await readFile(join(dir, name)));
  }
  onProgress?.(needed.length, needed.length, dir);
  return { layout, contents, describe: (name) => join(dir, name), sourceFiles: needed.map((name) => join(dir, name)) };
}

/** Streams the archive, keeping in memory only the entries CIFAR needs. */
async function readCifarArchive(archive: string, options: CifarOptions, onProgress?: ProgressFn): Promise<CifarFiles> {
  const wanted = new Map<string, number>();
  for (const layout of [CIFAR10, CIFAR100]) {
    for (const name of [...layout.train, ...layout.test]) wanted.set(name, layout.recordsPerFile(name) * (layout.labelBytes + PIXELS));
    for (const labels of ['fine', 'coarse'] as const) wanted.set(layout.namesFile({ labels }), MAX_NAMES_FILE_BYTES);
  }
  const entries = await readTarGzEntries(archive, wanted, onProgress);

  const layout = entries.has(CIFAR10.train[0]) ? CIFAR10 : entries.has(CIFAR100.train[0]) ? CIFAR100 : undefined;
  if (!layout) throw new DatasetError(archive, `contains none of ${MARKERS}: not a binary CIFAR-10 or CIFAR-100 archive`);
  const missing = neededFiles(layout, options).filter((name) => !entries.has(name));
  if (missing.length > 0) throw new DatasetError(archive, `is missing ${missing.join(', ')}`);

  const contents = new Map([...entries].map(([name, entry]) => [name, entry.bytes]));
  return { layout, contents, describe: (name) => `${archive}:${entries.get(name)!.path}`, sourceFiles: [archive] };
}

/**
 * Entries of a .tar.gz whose base name is wanted (name → the most bytes it may hold), by base name;
 * reports compressed bytes read. Inflation stops at MAX_CIFAR_ARCHIVE_BYTES and at an entry larger
 * than its limit, so a small archive that inflates to gigabytes is refused early.
 */
async function readTarGzEntries(
  archive: string,
  wanted: Map<string, number>,
  onProgress?: ProgressFn,
): Promise<Map<string, { path: string; bytes: Buffer }>> {
  const total = (await stat(archive)).size;
  const input = createReadStream(archive);
  let read = 0;
  input.on('data', (chunk) => {
    read += chunk.length;
    onProgress?.(read, total, archive);
  });
  const gunzip = createGunzip();
  let gzipError: Error | undefined;
  let limitError: DatasetError | undefined;
  gunzip.on('error', (err) => (gzipError = err));
  let inflated = 0;
  gunzip.on('data', (chunk: Buffer) => {
    inflated += chunk.length;
    if (inflated > MAX_CIFAR_ARCHIVE_BYTES && !limitError) {
      limitError = new DatasetError(archive, `inflates past ${MAX_CIFAR_ARCHIVE_BYTES} bytes, more than any CIFAR archive (size limit)`);
      gunzip.destroy(limitError);
    }
  });
  const extract = tar.extract();
  const piped = pipeline(input, gunzip, extract);
  // The loop below may fail first; the rejection is awaited after it.
  piped.catch(() => undefined);

  const found = new Map<string, { path: string; bytes: Buffer }>();
  try {
    for await (const entry of extract) {
      const name = basename(entry.header.name);
      const limit = wanted.get(name);
      if (entry.header.type !== 'file' || limit === undefined) {
        entry.resume();
        continue;
      }
      const tooBig = (size: number) => new DatasetError(archive, `entry ${entry.header.name} holds ${size} bytes, more than the ${limit} a ${name} may hold (size limit)`);
      if ((entry.header.size ?? 0) > limit) throw tooBig(entry.header.size!);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of entry) {
        size += (chunk as Buffer).length;
        if (size > limit) throw tooBig(size);
        chunks.push(chunk as Buffer);
      }
      found.set(name, { path: entry.header.name, bytes: Buffer.concat(chunks) });
    }
    await piped;
  } catch (err) {
    input.destroy();
    if (limitError) throw limitError;
    if (err instanceof DatasetError) throw err;
    if (gzipError) throw new DatasetError(archive, `not a valid gzip file: ${gzipError.message}`);
    throw new DatasetError(archive, `not a valid tar archive: ${(err as Error).message}`);
  }
  return found;
}

function neededFiles(layout: CifarLayout, options: CifarOptions): string[] {
  return [...layout.train, ...layout.test, layout.namesFile(options)];
}

function decodeCifar(files: CifarFiles, options: CifarOptions): DecodedDataset {
  const { layout, contents, describe } = files;
  const namesFile = layout.namesFile(options);
  const classes = parseClassNames(contents.get(namesFile)!, describe(namesFile));
  const decodeAll = (names: string[]): RawSplit =>
    concatSplits(names.map((name) => decodeRecords(contents.get(name)!, describe(name), layout, options, classes, namesFile)));

  return {
    format: layout.format,
    shape: [SIDE, SIDE, CHANNELS],
    classes,
    splits: { train: decodeAll(layout.train), test: decodeAll(layout.test) },
    sourceFiles: files.sourceFiles,
    skipped: [],
    notes: layout.format === 'cifar100' ? { labels: options.labels } : {},
  };
}

function parseClassNames(bytes: Buffer, file: string): string[] {
  const names = bytes.toString('utf8').split(/\r?\n/).map((line) => line.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  if (names.length === 0) throw new DatasetError(file, 'lists no class names (expected one per line)');
  return names;
}

/** Splits a record file into labels and HWC images, checking its length and every label. */
function decodeRecords(
  bytes: Uint8Array,
  file: string,
  layout: CifarLayout,
  options: CifarOptions,
  classes: string[],
  namesFile: string,
): RawSplit {
  const recordSize = layout.labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % recordSize !== 0) {
    throw new DatasetError(
      file,
      `is ${bytes.length} bytes, not a whole number of ${recordSize}-byte records ` +
        `(${layout.labelBytes} label byte(s) + ${PIXELS} pixels): truncated or not a ${layout.format} file`,
    );
  }
  const count = bytes.length / recordSize;
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const labelOffset = layout.labelOffset(options);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * recordSize + labelOffset];
    if (label >= classes.length) {
      throw new DatasetError(file, `record ${i} has label ${label}, but ${namesFile} lists ${classes.length} classes (0..${classes.length - 1})`);
    }
    labels[i] = label;
    planesToHwc(bytes, i * recordSize + layout.labelBytes, images, i * PIXELS, SIDE, SIDE, CHANNELS);
  }
  return { images, labels };
}

/** Copies one image stored as channel planes (CHW) into pixel-interleaved order (HWC). */
export function planesToHwc(
  src: Uint8Array,
  srcOffset: number,
  dst: Uint8Array,
  dstOffset: number,
  h: number,
  w: number,
  c: number,
): void {
  const plane = h * w;
  for (let p = 0; p < plane; p++) {
    for (let ch = 0; ch < c; ch++) dst[dstOffset + p * c + ch] = src[srcOffset + ch * plane + p];
  }
}

function concatSplits(splits: RawSplit[]): RawSplit {
  if (splits.length === 1) return splits[0];
  const images = new Uint8Array(splits.reduce((n, s) => n + s.images.length, 0));
  const labels = new Uint8Array(splits.reduce((n, s) => n + s.labels.length, 0));
  let imageAt = 0;
  let labelAt = 0;
  for (const split of splits) {
    images.set(split.images, imageAt);
    labels.set(split.labels, labelAt);
    imageAt += split.images.length;
    labelAt += split.labels.length;
  }
  return { images, labels };
}
