import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { APP_VERSION } from '../../shared/version';
import {
  CACHE_FORMAT_VERSION,
  type DatasetManifest,
  type ImportOptionsRecord,
  type SplitInfo,
  THUMBNAILS_FILE,
  checkDatasetName,
  datasetDir,
  datasetsDir,
  writeManifest,
  writeSplitFiles,
} from './cache';
import { DatasetError, type DatasetFormat, type DecodedDataset, type ProgressFn, SPLIT_NAMES, type SplitName } from './dataset';
import { type ReadOptions, readDataset } from './formats';
import { hashRoot, hashSourceFiles } from './hash';
import { DEFAULT_SPLIT_OPTIONS, carveSplits } from './split';
import { channelStats, countPerClass } from './stats';
import { writeThumbnails } from './thumbnails';

export interface ImportOptions {
  /** Registry name; defaults to the source folder or archive name, slugified. */
  name?: string;
  format?: DatasetFormat;
  size?: [number, number];
  fit?: 'crop' | 'pad';
  channels?: 1 | 3;
  strict?: boolean;
  cifar100Labels?: 'fine' | 'coarse';
  /** Share of each class carved from train into val when the source has no val split (default 0.1). */
  valFraction?: number;
  /** Same for test, when the source has no test split (a single-root image folder; default 0.1). */
  testFraction?: number;
  /** Seed of the stratified split. */
  seed?: number;
}

/** The largest class count a uint8 label file can hold. */
const MAX_CLASSES = 256;

/** A registry name from a path: 'Fashion-MNIST/' → 'fashion-mnist', 'cifar-10-binary.tar.gz' → 'cifar-10-binary'. */
export function defaultDatasetName(source: string): string {
  const base = path.basename(path.resolve(source)).replace(/\.(tar\.gz|tgz|tar|gz|zip)$/i, '');
  const slug = base
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents off: 'Café' → 'cafe'
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64);
  if (!slug) throw new Error(`cannot derive a dataset name from '${source}'; give the dataset a name`);
  return slug;
}

/** Checks the invariants every reader promises, before anything is written. */
function checkDecoded(dataset: DecodedDataset, source: string): void {
  const [h, w, c] = dataset.shape;
  if (![h, w].every((d) => Number.isInteger(d) && d > 0) || (c !== 1 && c !== 3)) {
    throw new DatasetError(source, `image shape ${h}x${w}x${c} is not height x width x (1 or 3 channels)`);
  }
  const classes = dataset.classes.length;
  // A classifier needs two classes to tell apart; training one class would only fail later.
  if (classes < 2 || classes > MAX_CLASSES) {
    throw new DatasetError(source, `found ${classes} class${classes === 1 ? '' : 'es'} (${dataset.classes.slice(0, 5).join(', ') || 'none'}); a dataset needs 2 to ${MAX_CLASSES}`);
  }
  for (const name of SPLIT_NAMES) {
    const split = dataset.splits[name];
    if (!split) continue;
    const count = split.labels.length;
    if (split.images.length !== count * h * w * c) {
      throw new DatasetError(source, `${name} split has ${count} labels but ${split.images.length} pixel bytes (expected ${count * h * w * c})`);
    }
    const bad = split.labels.findIndex((label) => label >= classes);
    if (bad >= 0) throw new DatasetError(source, `${name} label ${split.labels[bad]} at index ${bad} is outside 0..${classes - 1}`);
  }
  if (dataset.splits.train.labels.length === 0) throw new DatasetError(source, 'the train split has no images');
}

function checkFraction(value: number, what: string): number {
  if (!(value >= 0 && value < 0.5)) throw new Error(`${what} must be at least 0 and below 0.5, got ${value}`);
  return value;
}

function refuseExisting(home: string, name: string): void {
  if (fs.existsSync(datasetDir(home, name))) {
    throw new Error(`a dataset named '${name}' already exists in ${datasetsDir(home)}; choose another name or remove it first`);
  }
}

/**
 * Reads a dataset folder or archive, checks it, carves the missing splits, measures it and writes
 * the cache. Everything is written into a staging folder that is renamed into place at the end,
 * so a failure at any stage leaves no partial cache and registers nothing.
 */
export async function importDataset(source: string, options: ImportOptions, home: string, onProgress?: ProgressFn): Promise<DatasetManifest> {
  const sourcePath = path.resolve(source);
  const name = checkDatasetName(options.name ?? defaultDatasetName(sourcePath));
  const split = {
    valFraction: checkFraction(options.valFraction ?? DEFAULT_SPLIT_OPTIONS.valFraction, 'valFraction'),
    testFraction: checkFraction(options.testFraction ?? DEFAULT_SPLIT_OPTIONS.testFraction, 'testFraction'),
    seed: options.seed ?? DEFAULT_SPLIT_OPTIONS.seed,
  };
  if (!Number.isSafeInteger(split.seed)) throw new Error(`seed must be an integer, got ${split.seed}`);
  refuseExisting(home, name);

  const readOptions: ReadOptions = {};
  if (options.format) readOptions.format = options.format;
  if (options.cifar100Labels) readOptions.cifar100Labels = options.cifar100Labels;
  if (options.size) readOptions.size = options.size;
  if (options.fit) readOptions.fit = options.fit;
  if (options.channels) readOptions.channels = options.channels;
  if (options.strict !== undefined) readOptions.strict = options.strict;

  const decoded = await readDataset(sourcePath, readOptions, onProgress);
  checkDecoded(decoded, sourcePath);
  const { splits, carved } = carveSplits(decoded, split);
  const { mean, std } = channelStats(splits.train.images, decoded.shape[2]);
  const contentHash = await hashSourceFiles(decoded.sourceFiles, await hashRoot(sourcePath));

  const splitInfo: Partial<Record<SplitName, SplitInfo>> = {};
  for (const s of SPLIT_NAMES) {
    const labels = splits[s]?.labels;
    if (labels) splitInfo[s] = { count: labels.length, perClass: countPerClass(labels, decoded.classes.length) };
  }
  const importOptions: ImportOptionsRecord = { ...readOptions, ...split };
  const manifest: DatasetManifest = {
    cacheFormat: CACHE_FORMAT_VERSION,
    name,
    format: decoded.format,
    source: sourcePath,
    shape: decoded.shape,
    classes: decoded.classes,
    splits: { ...splitInfo, train: splitInfo.train! },
    carvedSplits: carved,
    mean,
    std,
    contentHash,
    importOptions,
    skipped: decoded.skipped,
    notes: decoded.notes,
    appVersion: APP_VERSION,
    createdAt: new Date().toISOString(),
  };

  await fs.promises.mkdir(datasetsDir(home), { recursive: true });
  const staging = path.join(datasetsDir(home), `.staging-${randomBytes(6).toString('hex')}`);
  try {
    await fs.promises.mkdir(staging);
    await writeSplitFiles(staging, splits);
    await writeThumbnails(splits.train, decoded.shape, decoded.classes, path.join(staging, THUMBNAILS_FILE));
    await writeManifest(staging, manifest);
    refuseExisting(home, name);
    await fs.promises.rename(staging, datasetDir(home, name));
  } catch (error) {
    await fs.promises.rm(staging, { recursive: true, force: true });
    throw error;
  }
  return manifest;
}
