import fs from 'node:fs';
import path from 'node:path';
import { type DatasetManifest, DATASET_NAME_PATTERN, MANIFEST_FILE, datasetsDir, readManifest } from '../data/cache';
import type { Db } from './db';
import type { DatasetRecord } from './types';

interface DatasetRow {
  name: string;
  format: string;
  shape: string;
  classes: string;
  counts: string;
  contentHash: string;
  manifestPath: string;
  createdAt: number;
}

function toRecord(row: DatasetRow): DatasetRecord {
  return { ...row, shape: JSON.parse(row.shape), classes: JSON.parse(row.classes), counts: JSON.parse(row.counts) };
}

/** The manifest's facts the runs table and the Datasets view need; the manifest file keeps the rest. */
export function datasetRecordOf(manifest: DatasetManifest, manifestPath: string): DatasetRecord {
  const { train, val, test } = manifest.splits;
  const counts = { train: train.count, ...(val && { val: val.count }), ...(test && { test: test.count }) };
  const created = Date.parse(manifest.createdAt);
  return {
    name: manifest.name,
    format: manifest.format,
    shape: manifest.shape,
    classes: manifest.classes,
    counts,
    contentHash: manifest.contentHash,
    manifestPath,
    createdAt: Number.isNaN(created) ? Date.now() : created,
  };
}

export interface DatasetImportReport {
  imported: string[];
  /** Cache folders whose manifest could not be read, with the reason. */
  skipped: { folder: string; reason: string }[];
}

/** The datasets table: the registry of imported dataset caches. */
export class DatasetQueries {
  private readonly upsert;
  private readonly selectAll;
  private readonly selectOne;
  private readonly countRuns;
  private readonly deleteOne;

  constructor(private readonly db: Db) {
    this.upsert = db.prepare(`INSERT INTO datasets (name, format, shape, classes, counts, content_hash, manifest_path, created_at)
      VALUES (@name, @format, @shape, @classes, @counts, @contentHash, @manifestPath, @createdAt)
      ON CONFLICT (name) DO UPDATE SET format = excluded.format, shape = excluded.shape, classes = excluded.classes,
        counts = excluded.counts, content_hash = excluded.content_hash, manifest_path = excluded.manifest_path,
        created_at = excluded.created_at`);
    const columns = 'name, format, shape, classes, counts, content_hash AS contentHash, manifest_path AS manifestPath, created_at AS createdAt';
    this.selectAll = db.prepare<[], DatasetRow>(`SELECT ${columns} FROM datasets ORDER BY name`);
    this.selectOne = db.prepare<[string], DatasetRow>(`SELECT ${columns} FROM datasets WHERE name = ?`);
    this.countRuns = db.prepare<[string], { id: number; status: string }>('SELECT id, status FROM runs WHERE dataset = ? ORDER BY id');
    this.deleteOne = db.prepare('DELETE FROM datasets WHERE name = ?');
  }

  upsertDataset(record: DatasetRecord): void {
    this.upsert.run({ ...record, shape: JSON.stringify(record.shape), classes: JSON.stringify(record.classes), counts: JSON.stringify(record.counts) });
  }

  /** Every registered dataset, by name (a data folder holds tens, not thousands). */
  listDatasets(): DatasetRecord[] {
    return this.selectAll.all().map(toRecord);
  }

  getDataset(name: string): DatasetRecord | undefined {
    const row = this.selectOne.get(name);
    return row && toRecord(row);
  }

  /** Unregisters a dataset; refused while runs refer to it, since their history names it. */
  removeDataset(name: string): boolean {
    const remove = this.db.transaction(() => {
      const runs = this.countRuns.all(name);
      if (runs.length > 0) {
        const named = runs.slice(0, 10).map((r) => `${r.id} (${r.status})`).join(', ') + (runs.length > 10 ? `, … (${runs.length} in all)` : '');
        throw new Error(`removeDataset: dataset '${name}' is used by run${runs.length === 1 ? '' : 's'} ${named}; delete those runs first`);
      }
      return this.deleteOne.run(name).changes === 1;
    });
    return remove.immediate();
  }

  /**
   * Registers every valid cache folder under `<home>/datasets/`: the move from the folder registry
   * (the manifests were the index) to this table. Idempotent; a broken manifest is reported, not fatal.
   */
  importDatasetCaches(home: string): DatasetImportReport {
    const root = datasetsDir(home);
    let names: string[];
    try {
      names = fs.readdirSync(root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { imported: [], skipped: [] };
      throw new Error(`${root}: cannot list the dataset caches: ${(error as Error).message}`);
    }
    const report: DatasetImportReport = { imported: [], skipped: [] };
    const records: DatasetRecord[] = [];
    for (const name of names.sort()) {
      const folder = path.join(root, name);
      // Staging and removal leftovers start with '.', which no dataset name does.
      if (!DATASET_NAME_PATTERN.test(name) || !fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) continue;
      try {
        const manifest = readManifest(folder);
        if (manifest.name !== name) throw new Error(`the manifest names '${manifest.name}', the folder is '${name}'`);
        records.push(datasetRecordOf(manifest, path.join(folder, MANIFEST_FILE)));
      } catch (error) {
        report.skipped.push({ folder, reason: (error as Error).message });
      }
    }
    this.db.transaction(() => records.forEach((r) => this.upsertDataset(r))).immediate();
    report.imported = records.map((r) => r.name);
    return report;
  }
}
