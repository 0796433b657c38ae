import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TrainRequest } from '../../../shared/api';
import { parseTrainConfig } from '../../../shared/config';
import { APP_VERSION } from '../../../shared/version';
import type { DatasetManifest } from '../../data/cache';
import type { TemperStore } from '../../store/interface';
import { BUNDLE_FILES, BUNDLE_FORMAT, type RunBundle, writeBundle } from './bundle';
import { EXCHANGE_DATASETS, shareDataset } from './exchange';

/** A run's checkpoint folder: where its last checkpoint row says (a cluster run's is in its bundle), else the data folder's. */
function checkpointOf(home: string, store: TemperStore, id: number): string {
  return store.latestCheckpoint(id)?.path ?? path.join(home, 'runs', String(id), 'checkpoint');
}

export interface WrittenBundle {
  dir: string;
  bundle: RunBundle;
}

/**
 * Writes one bundle per request into `<sweepDir>/<index>/`, with the dataset cache shared once into
 * `<root>/datasets/` and a parent's checkpoint copied beside the bundle that starts from it.
 */
export function writeSweepBundles(home: string, store: TemperStore, manifest: DatasetManifest, requests: TrainRequest[], root: string, sweepDir: string): WrittenBundle[] {
  const checksum = shareDataset(home, requests[0].dataset, root);
  return requests.map((request, index) => {
    const dir = path.join(sweepDir, String(index));
    const parent = request.initFrom === undefined ? null : store.getRun(request.initFrom);
    const bundle: RunBundle = {
      format: BUNDLE_FORMAT,
      version: 1,
      id: randomUUID(),
      name: request.name ?? null,
      config: parseTrainConfig(request.config),
      dataset: {
        name: request.dataset,
        contentHash: manifest.contentHash,
        format: manifest.format,
        checksum,
        datasets: path.relative(dir, path.join(root, EXCHANGE_DATASETS)),
      },
      parent: parent ? { runId: parent.id, finalTop1: parent.finalTop1 } : null,
      appVersion: APP_VERSION,
      createdAt: new Date().toISOString(),
    };
    writeBundle(dir, bundle);
    if (parent) fs.cpSync(checkpointOf(home, store, parent.id), path.join(dir, BUNDLE_FILES.parent), { recursive: true });
    return { dir, bundle };
  });
}

/** A fresh folder name for one sweep's bundles: sortable by time, unique across apps. */
export function sweepFolderName(): string {
  return `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
}
