import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TrainRequest } from '../../../shared/api';
import { parseTrainConfig } from '../../../shared/config';
import { APP_VERSION } from '../../../shared/version';
import type { DatasetManifest } from '../../data/cache';
import type { TemperStore } from '../../store/interface';
import { BUNDLE_FILES, BUNDLE_FORMAT, type RunBundle, writeBundle } from './bundle';
import { runCheckpointDir } from '../run-files';
import { EXCHANGE_DATASETS, shareDataset } from './exchange';

export interface WrittenBundle {
  dir: string;
  bundle: RunBundle;
}

/**
 * Writes one bundle per request into `<sweepDir>/<index>/`, with the dataset cache shared once into
 * `<root>/datasets/` and a parent's checkpoint copied beside the bundle that starts from it. Each
 * bundle names its sweep (an id of the sweep) and profile, and is sealed with what it was written with.
 */
export function writeSweepBundles(home: string, store: TemperStore, manifest: DatasetManifest, requests: TrainRequest[], root: string, sweepDir: string, sweep: { id: string; profile: string | null }): WrittenBundle[] {
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
      sweep: { id: sweep.id, index, tasks: requests.length, profile: sweep.profile },
    };
    const sealed = writeBundle(dir, bundle);
    if (parent) fs.cpSync(runCheckpointDir(home, store, parent.id), path.join(dir, BUNDLE_FILES.parent), { recursive: true });
    return { dir, bundle: sealed };
  });
}

/** A fresh folder name for one sweep's bundles: sortable by time, unique across apps. */
export function sweepFolderName(): string {
  return `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
}
