import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { datasetDir, MANIFEST_FILE, readManifest, splitFiles } from '../../data/cache';
import { SPLIT_NAMES } from '../../data/dataset';

/**
 * Dataset caches in an exchange folder: `<root>/datasets/<checksum>/`, a copy of the app's cache
 * (manifest and split files) named by the sha256 of those files. Copied once per checksum; every
 * node checks the copy against its name before training on it.
 */
export const EXCHANGE_DATASETS = 'datasets';

function cacheFiles(dir: string): string[] {
  const manifest = readManifest(dir);
  const files = [path.join(dir, MANIFEST_FILE)];
  for (const split of SPLIT_NAMES) {
    if (!manifest.splits[split]) continue;
    const { images, labels } = splitFiles(dir, split);
    files.push(images, labels);
  }
  return files;
}

/** sha256 over the cache's files (name, size, bytes), in a fixed order. */
export function cacheChecksum(dir: string): string {
  const hash = createHash('sha256');
  for (const file of cacheFiles(dir)) {
    const bytes = fs.readFileSync(file);
    hash.update(`${path.basename(file)}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** Copies a registered dataset's cache into the exchange folder unless a copy with its checksum is there; returns the checksum. */
export function shareDataset(home: string, name: string, root: string): string {
  const source = datasetDir(home, name);
  const checksum = cacheChecksum(source);
  const target = path.join(root, EXCHANGE_DATASETS, checksum);
  if (fs.existsSync(path.join(target, MANIFEST_FILE))) return checksum;
  // Copied under a temporary name and renamed, so a node never sees half a cache.
  const staging = `${target}.${process.pid}.tmp`;
  fs.mkdirSync(staging, { recursive: true });
  for (const file of cacheFiles(source)) fs.copyFileSync(file, path.join(staging, path.basename(file)));
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    // Another app shared the same cache at the same moment: theirs is as good.
    if (!fs.existsSync(path.join(target, MANIFEST_FILE))) throw error;
  }
  return checksum;
}

/** Checks the cache a bundle names against its checksum; the error says which folder and what to do. */
export function verifySharedDataset(datasetsRoot: string, checksum: string): void {
  const dir = path.join(datasetsRoot, checksum);
  if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) throw new Error(`${dir}: the dataset cache this bundle needs is missing from the exchange folder`);
  const found = cacheChecksum(dir);
  if (found !== checksum) throw new Error(`${dir}: the dataset cache does not match its checksum (found ${found.slice(0, 12)}…): copy it again from the app`);
}
