import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ImageSet } from '../data/batches';
import { type DatasetManifest, DATASET_NAME_PATTERN, checkDatasetName, datasetDir, datasetsDir, loadSplit, readManifest } from '../data/cache';
import type { ProgressFn, SplitName } from '../data/dataset';
import { type ImportOptions, importDataset } from '../data/import';

/** An import of the largest datasets takes minutes; a day-old staging folder is an abandoned one. */
const STALE_STAGING_MS = 24 * 60 * 60 * 1000;

/**
 * The dataset registry. Until the runs issue brings SQLite, the registry is the set of cache
 * folders in `<home>/datasets/` that hold a valid manifest: the manifests are the index. It moves
 * to a SQLite table (filled from these manifests by a migration) when the store exists.
 */
export class DatasetService {
  constructor(readonly home: string) {}

  /** Imports a dataset folder or archive; the cache appears atomically or not at all. */
  async add(source: string, options: ImportOptions = {}, onProgress?: ProgressFn): Promise<DatasetManifest> {
    await this.sweepLeftovers();
    return importDataset(source, options, this.home, onProgress);
  }

  /** Every registered dataset, sorted by name. Staging folders and folders without a valid manifest are not datasets. */
  async list(): Promise<DatasetManifest[]> {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(datasetsDir(this.home), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const manifests: DatasetManifest[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || !DATASET_NAME_PATTERN.test(entry.name)) continue;
      try {
        const manifest = readManifest(path.join(datasetsDir(this.home), entry.name));
        if (manifest.name === entry.name) manifests.push(manifest);
      } catch {
        // A folder with a broken manifest is not registered; `show` names the problem.
      }
    }
    return manifests.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async show(name: string): Promise<DatasetManifest> {
    const dir = datasetDir(this.home, checkDatasetName(name));
    if (!fs.existsSync(dir)) throw new Error(`no dataset named '${name}' in ${datasetsDir(this.home)} (see temper datasets list)`);
    return readManifest(dir);
  }

  /** Deletes the cache folder. Renamed away first, so a half-deleted cache is never listed. */
  async remove(name: string): Promise<void> {
    const dir = datasetDir(this.home, checkDatasetName(name));
    const doomed = path.join(datasetsDir(this.home), `.removing-${randomBytes(6).toString('hex')}`);
    try {
      await fs.promises.rename(dir, doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no dataset named '${name}' in ${datasetsDir(this.home)} (see temper datasets list)`);
      throw error;
    }
    await fs.promises.rm(doomed, { recursive: true, force: true });
  }

  /**
   * Deletes what a killed process left behind: folders being removed, and staging folders old
   * enough that no import still writes them.
   */
  private async sweepLeftovers(now = Date.now()): Promise<void> {
    const dir = datasetsDir(this.home);
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const full = path.join(dir, name);
      // Another process may delete an entry between readdir and stat.
      const modified = (await fs.promises.stat(full).catch(() => undefined))?.mtimeMs ?? now;
      const stale = name.startsWith('.staging-') && now - modified > STALE_STAGING_MS;
      if (name.startsWith('.removing-') || stale) await fs.promises.rm(full, { recursive: true, force: true });
    }
  }

  loadSplit(name: string, split: SplitName): ImageSet {
    return loadSplit(this.home, name, split);
  }
}
