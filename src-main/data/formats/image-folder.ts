import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { DatasetError, type DecodedDataset, type ProgressFn, type RawSplit, type SplitName } from '../dataset';

/** Folders of images, one folder per class: `root/<split>/<class>/*` or `root/<class>/*`. */

export interface ImageFolderOptions {
  /** Output [height, width]; by default the images' own size when they all share it. */
  size?: [number, number];
  /** How a resize keeps the aspect ratio: centre crop to fill, or pad with black. Default 'crop'. */
  fit?: 'crop' | 'pad';
  /** Convert every image to grayscale (1) or RGB (3); by default detected, and mixed modes are an error. */
  channels?: 1 | 3;
  /** Throw on an unreadable or non-image file instead of skipping it. */
  strict?: boolean;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];
const SPLIT_FOLDERS: SplitName[] = ['train', 'val', 'test'];
const CONCURRENCY = 6;
const SMALL_IMAGE_SIDE = 64;
/** Larger images are skipped before decoding (an 8K frame is 33 Mpx): each decode holds width × height × 4 bytes. */
export const MAX_IMAGE_PIXELS = 50_000_000;

interface ImageFile {
  file: string;
  split: SplitName;
  label: number;
}

interface Probe extends ImageFile {
  width: number;
  height: number;
  grayscale: boolean;
}

type Skipped = DecodedDataset['skipped'];

/** Reads and decodes every image with sharp, all to one size and one channel count. */
export async function readImageFolder(
  root: string,
  options: ImageFolderOptions = {},
  onProgress?: ProgressFn,
): Promise<DecodedDataset> {
  const fit = options.fit ?? 'crop';
  const skipped: Skipped = [];
  const listing = await listImageFolder(root, options.strict ?? false, skipped);
  // Each image is probed, then decoded; a file skipped at the probe is not decoded.
  let total = listing.files.length * 2;
  let done = 0;
  const report = (file: string) => onProgress?.(++done, total, file);

  const probes = await mapLimit(listing.files, CONCURRENCY, async (image) => {
    const probe = await tryImage(image.file, options.strict, skipped, () => probeImage(image));
    report(image.file);
    return probe;
  });
  const readable = probes.filter((p) => p !== undefined);
  total = listing.files.length + readable.length;
  const channels = options.channels ?? detectChannels(readable);
  const { size, reason } = chooseSize(options.size, readable);
  const [h, w] = size;

  const pixels = await mapLimit(readable, CONCURRENCY, async (probe) => {
    const decoded = await tryImage(probe.file, options.strict, skipped, () => decodeImage(probe, size, fit, channels));
    report(probe.file);
    return decoded;
  });
  const images = readable.flatMap((probe, i) => (pixels[i] ? [{ ...probe, pixels: pixels[i] }] : []));
  for (const folder of listing.classFolders) {
    if (!images.some((image) => image.split === folder.split && image.label === folder.label)) {
      throw new DatasetError(folder.dir, 'has no readable images: every file in it was skipped (see the skipped list)');
    }
  }

  const splits: Partial<Record<SplitName, RawSplit>> = {};
  for (const split of listing.splits) {
    const inSplit = images.filter((image) => image.split === split);
    const out = new Uint8Array(inSplit.length * h * w * channels);
    inSplit.forEach((image, i) => out.set(image.pixels, i * h * w * channels));
    splits[split] = { images: out, labels: Uint8Array.from(inSplit, (image) => image.label) };
  }

  return {
    format: 'image-folder',
    shape: [h, w, channels],
    classes: listing.classes,
    splits: { ...splits, train: splits.train! },
    sourceFiles: images.map((image) => image.file),
    skipped: skipped.sort((a, b) => (a.file < b.file ? -1 : 1)),
    notes: {
      layout: listing.hasSplitFolders ? 'train/val/test folders' : 'one folder per class',
      size: `${h}x${w}`,
      sizeChosen: reason,
      fit: fit === 'crop' ? 'crop (centre crop to fill the size)' : 'pad (fit inside the size, padded with black)',
      channels,
      channelsChosen: options.channels ? 'asked for' : `detected: all images are ${channels === 1 ? 'grayscale' : 'colour'}`,
    },
  };
}

interface Listing {
  classes: string[];
  splits: SplitName[];
  hasSplitFolders: boolean;
  classFolders: { dir: string; split: SplitName; label: number }[];
  files: ImageFile[];
}

/** Finds the splits, the classes (from train) and every candidate image file, in a stable order. */
async function listImageFolder(root: string, strict: boolean, skipped: Skipped): Promise<Listing> {
  const rootFolders = await subfolders(root);
  const hasSplitFolders = rootFolders.includes('train');
  const splitDirs = hasSplitFolders
    ? SPLIT_FOLDERS.filter((split) => rootFolders.includes(split)).map((split) => ({ split, dir: join(root, split) }))
    : [{ split: 'train' as const, dir: root }];

  const trainDir = splitDirs[0].dir;
  const classes = await subfolders(trainDir);
  if (classes.length > 256) throw new DatasetError(trainDir, `has ${classes.length} class folders; at most 256 fit in uint8 labels`);

  const listing: Listing = { classes, splits: splitDirs.map((s) => s.split), hasSplitFolders, classFolders: [], files: [] };
  for (const { split, dir } of splitDirs) {
    const names = split === 'train' ? classes : await subfolders(dir);
    if (names.length === 0) throw new DatasetError(dir, 'has no class folders (expected one subfolder of images per class)');
    const unknown = names.filter((name) => !classes.includes(name));
    if (unknown.length > 0) {
      throw new DatasetError(join(dir, unknown[0]), `is a class folder that ${trainDir} does not have (its classes: ${classes.join(', ')})`);
    }
    for (const name of names) {
      const classDir = join(dir, name);
      const label = classes.indexOf(name);
      const files = await listClassFolder(classDir, strict, skipped);
      listing.classFolders.push({ dir: classDir, split, label });
      listing.files.push(...files.map((file) => ({ file, split, label })));
    }
  }
  return listing;
}

/** Image files of one class folder, sorted; anything else is skipped (or rejected when strict). */
async function listClassFolder(dir: string, strict: boolean, skipped: Skipped): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  const images: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const file = join(dir, entry.name);
    const isImage = entry.isFile() && IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase());
    if (isImage) {
      images.push(file);
      continue;
    }
    const reason = entry.isDirectory()
      ? 'a folder inside a class folder (nested folders are not read)'
      : `not an image file (expected ${IMAGE_EXTENSIONS.join(', ')})`;
    if (strict) throw new DatasetError(file, `is ${reason}`);
    skipped.push({ file, reason });
  }
  if (images.length === 0) throw new DatasetError(dir, `has no images (expected ${IMAGE_EXTENSIONS.join(', ')} files)`);
  return images;
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: Error) => {
    throw new DatasetError(dir, `cannot be listed: ${err.message}`);
  });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Runs `read`; an unreadable image is skipped with the reason, or rejected when strict. */
async function tryImage<T>(file: string, strict: boolean | undefined, skipped: Skipped, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    const reason = `not a readable image: ${(err as Error).message}`;
    if (strict) throw new DatasetError(file, reason);
    skipped.push({ file, reason });
    return undefined;
  }
}

async function probeImage(image: ImageFile): Promise<Probe> {
  // Reading the header decodes nothing; the limit is checked here so the message can give the size.
  const meta = await sharp(image.file, { limitInputPixels: false }).metadata();
  const pixels = meta.autoOrient.width * meta.autoOrient.height;
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new Error(`${meta.autoOrient.width}x${meta.autoOrient.height} is ${pixels} pixels, more than the ${MAX_IMAGE_PIXELS} an image may have (pixel limit)`);
  }
  const colourChannels = meta.channels - (meta.hasAlpha ? 1 : 0);
  return { ...image, width: meta.autoOrient.width, height: meta.autoOrient.height, grayscale: colourChannels === 1 };
}

function detectChannels(probes: Probe[]): 1 | 3 {
  if (probes.length === 0) return 3;
  const first = probes[0];
  const odd = probes.find((p) => p.grayscale !== first.grayscale);
  if (odd) {
    const mode = (p: Probe) => (p.grayscale ? 'grayscale' : 'colour');
    throw new DatasetError(
      odd.file,
      `is ${mode(odd)} but ${first.file} is ${mode(first)}: the images mix grayscale and colour; pass channels (1 or 3) to convert them all`,
    );
  }
  return first.grayscale ? 1 : 3;
}

/** The asked-for size, else the shared size, else 32x32 for small images and 224x224 for the rest. */
export function chooseSize(asked: [number, number] | undefined, probes: { width: number; height: number }[]): { size: [number, number]; reason: string } {
  if (asked) {
    if (!asked.every((side) => Number.isInteger(side) && side > 0)) {
      throw new DatasetError('options.size', `must be two positive integers [height, width], got [${asked.join(', ')}]`);
    }
    return { size: asked, reason: 'asked for' };
  }
  if (probes.length === 0) return { size: [32, 32], reason: 'no readable images' };
  const first = probes[0];
  if (probes.every((p) => p.width === first.width && p.height === first.height)) {
    return { size: [first.height, first.width], reason: 'all images share it' };
  }
  const largest = Math.max(...probes.map((p) => Math.max(p.width, p.height)));
  return largest <= SMALL_IMAGE_SIDE
    ? { size: [32, 32], reason: `images differ in size; the largest side is ${largest} <= ${SMALL_IMAGE_SIDE}` }
    : { size: [224, 224], reason: `images differ in size; the largest side is ${largest} > ${SMALL_IMAGE_SIDE}` };
}

/** Decodes one image to uint8 HWC pixels of the given size and channel count. */
async function decodeImage(probe: Probe, [h, w]: [number, number], fit: 'crop' | 'pad', channels: 1 | 3): Promise<Uint8Array> {
  // Alpha is dropped by compositing on black, so transparent areas match the padding.
  let image = sharp(probe.file, { limitInputPixels: MAX_IMAGE_PIXELS }).autoOrient().flatten({ background: '#000000' });
  if (probe.width !== w || probe.height !== h) {
    image = image.resize({ width: w, height: h, fit: fit === 'crop' ? 'cover' : 'contain', background: '#000000' });
  }
  image = image.toColourspace(channels === 1 ? 'b-w' : 'srgb');
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.width !== w || info.height !== h || info.channels !== channels) {
    throw new DatasetError(probe.file, `decoded to ${info.height}x${info.width}x${info.channels}, expected ${h}x${w}x${channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Maps with at most `limit` calls in flight; stops starting new ones after the first failure. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
