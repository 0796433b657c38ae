import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError, type DecodedDataset, type ProgressFn, type RawSplit } from '../dataset';
import { gunzipBounded } from './bounded-gunzip';

/** MNIST-style IDX files (LeCun's format): big-endian header, then uint8 data. */

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
/** Larger than any IDX dataset (EMNIST ByClass train is 547 MB); a header claiming more is refused before inflating. */
export const MAX_IDX_DATA_BYTES = 2 ** 31;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** The split prefixes the MNIST family uses. */
const SPLIT_PREFIXES = { train: 'train', test: 't10k' } as const;

/** Reads a folder laid out like MNIST / Fashion-MNIST / KMNIST. */
export async function readIdx(dir: string, onProgress?: ProgressFn): Promise<DecodedDataset> {
  const names = new Set(
    await readdir(dir).catch((err: Error) => {
      throw new DatasetError(dir, `cannot be listed: ${err.message}`);
    }),
  );
  const trainFiles = findSplitFiles(dir, names, SPLIT_PREFIXES.train);
  if (!trainFiles) {
    throw new DatasetError(dir, 'has no train-images-idx3-ubyte[.gz] (also looked for train-images.idx3-ubyte[.gz])');
  }
  const testFiles = findSplitFiles(dir, names, SPLIT_PREFIXES.test);
  const files = [trainFiles, testFiles].filter((f) => f !== undefined).flatMap((f) => [f.images, f.labels]);

  let done = 0;
  const readOne = async (file: string, magic: number): Promise<IdxArray> => {
    onProgress?.(done, files.length, file);
    const parsed = parseIdx(await readMaybeGzip(file, magic), file, magic);
    onProgress?.(++done, files.length, file);
    return parsed;
  };

  const train = await readSplit(trainFiles, readOne);
  const test = testFiles ? await readSplit(testFiles, readOne) : undefined;
  const [h, w] = train.imageDims;
  if (test && (test.imageDims[0] !== h || test.imageDims[1] !== w)) {
    throw new DatasetError(
      test.files.images,
      `images are ${test.imageDims[0]}x${test.imageDims[1]}, but the train images are ${h}x${w}`,
    );
  }

  const classesFile = join(dir, 'classes.txt');
  const hasClassesFile = names.has('classes.txt');
  const classes = hasClassesFile ? await readClassNames(classesFile) : digitClasses(train.split.labels, trainFiles.labels);
  const classSource = hasClassesFile ? 'classes.txt lists' : 'the train labels give';
  checkLabelRange(train.split.labels, classes, trainFiles.labels, classSource);
  if (test) checkLabelRange(test.split.labels, classes, test.files.labels, classSource);

  return {
    format: 'idx',
    shape: [h, w, 1],
    classes,
    splits: test ? { train: train.split, test: test.split } : { train: train.split },
    sourceFiles: hasClassesFile ? [...files, classesFile] : files,
    skipped: [],
    notes: { classNames: hasClassesFile ? 'classes.txt' : 'digits 0..N-1' },
  };
}

interface SplitFiles {
  images: string;
  labels: string;
}

/** Finds `<prefix>-images-idx3-ubyte` (or `.idx3-ubyte`, either gzipped) and its labels; undefined if no images. */
function findSplitFiles(dir: string, names: Set<string>, prefix: string): SplitFiles | undefined {
  const find = (kind: string, idx: string): string | undefined => {
    const candidates = [`${prefix}-${kind}-${idx}-ubyte`, `${prefix}-${kind}.${idx}-ubyte`];
    const found = candidates.flatMap((c) => [c, `${c}.gz`]).find((c) => names.has(c));
    return found && join(dir, found);
  };
  const images = find('images', 'idx3');
  if (!images) return undefined;
  const labels = find('labels', 'idx1');
  if (!labels) throw new DatasetError(join(dir, `${prefix}-labels-idx1-ubyte[.gz]`), `is missing (needed for ${images})`);
  return { images, labels };
}

async function readSplit(
  files: SplitFiles,
  readOne: (file: string, magic: number) => Promise<IdxArray>,
): Promise<{ split: RawSplit; imageDims: [number, number]; files: SplitFiles }> {
  const images = await readOne(files.images, IMAGES_MAGIC);
  const labels = await readOne(files.labels, LABELS_MAGIC);
  if (labels.dims[0] !== images.dims[0]) {
    throw new DatasetError(files.labels, `has ${labels.dims[0]} labels, but ${files.images} has ${images.dims[0]} images`);
  }
  return { split: { images: images.data, labels: labels.data }, imageDims: [images.dims[1], images.dims[2]], files };
}

/**
 * The file's bytes, inflated when it starts with the gzip magic (whatever its name says), never
 * past the size its IDX header implies.
 */
export async function readMaybeGzip(file: string, expectedMagic: number): Promise<Buffer> {
  const bytes = await readFile(file);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  return gunzipBounded(bytes, file, (head) => idxFileSize(head, file, expectedMagic));
}

/** The whole file's size from a complete header (undefined until `head` holds it). */
function idxFileSize(head: Buffer, file: string, expectedMagic: number): number | undefined {
  if (head.length < 4 || head.length < 4 + 4 * head[3]) return undefined;
  const dims = parseIdxHeader(head, file, expectedMagic);
  const data = dims.reduce((a, b) => a * b, 1);
  if (data > MAX_IDX_DATA_BYTES) {
    throw new DatasetError(file, `header (${dims.join('x')}) claims ${data} data bytes, more than the ${MAX_IDX_DATA_BYTES} an IDX file may hold (size limit)`);
  }
  return 4 + 4 * dims.length + data;
}

/** Header of an IDX file: magic (0x0000, type 0x08 = ubyte, number of dims), then one uint32 per dim. */
export function parseIdxHeader(bytes: Uint8Array, file: string, expectedMagic: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw new DatasetError(file, `is ${bytes.length} bytes long, too short for an IDX header`);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new DatasetError(file, `magic number is ${hex(magic)}, expected ${hex(expectedMagic)} for an IDX ${kindOf(expectedMagic)} file`);
  }
  const ndims = magic & 0xff;
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) throw new DatasetError(file, `is truncated: the header needs ${headerLength} bytes, found ${bytes.length}`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  if (dims.some((d) => d === 0)) throw new DatasetError(file, `has a zero dimension in its header (${dims.join('x')})`);
  return dims;
}

/** Header plus data, with the data length checked against the header. */
export function parseIdx(bytes: Uint8Array, file: string, expectedMagic: number): IdxArray {
  const dims = parseIdxHeader(bytes, file, expectedMagic);
  const offset = 4 + 4 * dims.length;
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - offset;
  if (found < expected) {
    throw new DatasetError(file, `is truncated: the header (${dims.join('x')}) needs ${expected} data bytes, found ${found}`);
  }
  if (found > expected) {
    throw new DatasetError(file, `has ${found - expected} bytes after the ${expected} data bytes its header (${dims.join('x')}) describes`);
  }
  // A copy, so the split owns a tight buffer rather than a view into the whole file.
  return { dims, data: new Uint8Array(bytes.subarray(offset)) };
}

async function readClassNames(file: string): Promise<string[]> {
  const names = (await readFile(file, 'utf8')).split(/\r?\n/).map((line) => line.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  if (names.length === 0) throw new DatasetError(file, 'lists no class names (expected one per line)');
  return names;
}

/** Classes 0..N-1 from the train labels, which must hold each of them: a stray 255 must not make 256 classes. */
function digitClasses(trainLabels: Uint8Array, file: string): string[] {
  const present = new Array<boolean>(256).fill(false);
  for (const label of trainLabels) present[label] = true;
  const found = present.flatMap((here, label) => (here ? [label] : []));
  const missing = present.slice(0, found.at(-1)! + 1).flatMap((here, label) => (here ? [] : [label]));
  if (missing.length > 0) {
    throw new DatasetError(
      file,
      `has labels ${describeLabels(found)}: without classes.txt the labels must be 0..N-1 with each present, ` +
        `and ${describeLabels(missing)} ${missing.length === 1 ? 'is' : 'are'} missing (add classes.txt to name the classes)`,
    );
  }
  return found.map(String);
}

/** Up to 12 labels, then how many more. */
function describeLabels(labels: number[]): string {
  return labels.length > 12 ? `${labels.slice(0, 12).join(', ')}, … (${labels.length} in all)` : labels.join(', ');
}

function checkLabelRange(labels: Uint8Array, classes: string[], file: string, classSource: string): void {
  const bad = labels.findIndex((label) => label >= classes.length);
  if (bad < 0) return;
  throw new DatasetError(
    file,
    `label ${bad} is ${labels[bad]}, but ${classSource} ${classes.length} classes (0..${classes.length - 1})`,
  );
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function kindOf(magic: number): string {
  return magic === IMAGES_MAGIC ? 'images' : 'labels';
}
