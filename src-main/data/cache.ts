import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { checkDatasetName, DATASET_NAME_PATTERN } from '../../shared/names';
import type { ImageSet } from './batches';
import { DATASET_FORMATS, SPLIT_NAMES, type RawSplit, type SplitName } from './dataset';

/**
 * The dataset cache in the data folder: `<home>/datasets/<name>/` holds manifest.json, one
 * `<split>.bin` (uint8 HWC pixels, images one after another) and one `<split>.labels` (uint8) per
 * split, and thumbnails.png. Training reads these two files per split, never the source images.
 */

/** Bumped when the layout of the cache files changes; older caches must be imported again. */
export const CACHE_FORMAT_VERSION = 1;

export { DATASET_NAME_PATTERN, checkDatasetName };
export const MANIFEST_FILE = 'manifest.json';
export const THUMBNAILS_FILE = 'thumbnails.png';

const splitInfoSchema = z.object({
  count: z.number().int().min(0),
  perClass: z.array(z.number().int().min(0)),
});

const importOptionsSchema = z.object({
  format: z.enum(DATASET_FORMATS).optional(),
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  fit: z.enum(['crop', 'pad']).optional(),
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  strict: z.boolean().optional(),
  cifar100Labels: z.enum(['fine', 'coarse']).optional(),
  valFraction: z.number().min(0).lt(1),
  testFraction: z.number().min(0).lt(1),
  seed: z.number().int(),
});

export const manifestSchema = z.object({
  cacheFormat: z.literal(CACHE_FORMAT_VERSION),
  name: z.string().regex(DATASET_NAME_PATTERN),
  format: z.enum(DATASET_FORMATS),
  source: z.string(),
  shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  classes: z.array(z.string()).min(1).max(256),
  splits: z.object({ train: splitInfoSchema, val: splitInfoSchema.optional(), test: splitInfoSchema.optional() }),
  /** Splits carved from train by the seeded stratified split, rather than read from the source. */
  carvedSplits: z.array(z.enum(SPLIT_NAMES)),
  mean: z.array(z.number()),
  std: z.array(z.number()),
  contentHash: z.string(),
  importOptions: importOptionsSchema,
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
  notes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  appVersion: z.string(),
  createdAt: z.string(),
});

export type DatasetManifest = z.infer<typeof manifestSchema>;
export type SplitInfo = z.infer<typeof splitInfoSchema>;
export type ImportOptionsRecord = z.infer<typeof importOptionsSchema>;

export function datasetsDir(home: string): string {
  return path.join(home, 'datasets');
}

export function datasetDir(home: string, name: string): string {
  return path.join(datasetsDir(home), checkDatasetName(name));
}

export function splitFiles(dir: string, split: SplitName): { images: string; labels: string } {
  return { images: path.join(dir, `${split}.bin`), labels: path.join(dir, `${split}.labels`) };
}

/** Writes the two cache files of each split into `dir`. */
export async function writeSplitFiles(dir: string, splits: Partial<Record<SplitName, RawSplit>>): Promise<void> {
  for (const name of SPLIT_NAMES) {
    const split = splits[name];
    if (!split) continue;
    const files = splitFiles(dir, name);
    await fs.promises.writeFile(files.images, split.images);
    await fs.promises.writeFile(files.labels, split.labels);
  }
}

export async function writeManifest(dir: string, manifest: DatasetManifest): Promise<void> {
  await fs.promises.writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Reads and checks a cache folder's manifest; the error names the file and the bad field. */
export function readManifest(dir: string): DatasetManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`${file}: the dataset cache has no manifest`);
    throw new Error(`${file}: cannot read the manifest: ${err.message}`);
  }
  const version = (raw as { cacheFormat?: unknown })?.cacheFormat;
  if (version !== CACHE_FORMAT_VERSION) {
    throw new Error(`${file}: cache format ${String(version)}, this version of Temper reads format ${CACHE_FORMAT_VERSION}; import the dataset again`);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(manifest)'}: ${i.message}`);
    throw new Error(`${file}: invalid manifest: ${problems.join('; ')}`);
  }
  return result.data;
}

/** One read of a whole cache file, checked against the byte count the manifest implies. */
function readCacheFile(file: string, expectedBytes: number): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`${file}: cache file is missing; remove the dataset and import it again`);
    throw new Error(`${file}: cannot read the cache file: ${err.message}`);
  }
  if (bytes.length !== expectedBytes) {
    const what = bytes.length < expectedBytes ? 'truncated' : 'longer than expected';
    throw new Error(`${file}: cache file is ${what}: ${bytes.length} bytes, the manifest implies ${expectedBytes}; remove the dataset and import it again`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Whether a cached dataset has this split (val is absent when import carved none). */
export function hasSplit(home: string, name: string, split: SplitName): boolean {
  return readManifest(datasetDir(home, name)).splits[split] !== undefined;
}

/**
 * Loads one split of a cached dataset as an ImageSet, normalized with the train statistics.
 * Reads `<split>.bin` and `<split>.labels` once each; never decodes the source images again.
 */
export function loadSplit(home: string, name: string, split: SplitName): ImageSet {
  const dir = datasetDir(home, name);
  const manifest = readManifest(dir);
  const info = manifest.splits[split];
  if (!info) {
    const present = SPLIT_NAMES.filter((s) => manifest.splits[s]).join(', ');
    throw new Error(`dataset '${name}' has no '${split}' split (it has ${present})`);
  }
  const [h, w, c] = manifest.shape;
  const files = splitFiles(dir, split);
  const images = readCacheFile(files.images, info.count * h * w * c);
  const labels = readCacheFile(files.labels, info.count);
  return { images, labels, shape: manifest.shape, numClasses: manifest.classes.length, mean: manifest.mean, std: manifest.std };
}
