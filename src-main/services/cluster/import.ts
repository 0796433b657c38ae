import fs from 'node:fs';
import path from 'node:path';
import type { TemperStore } from '../../store/interface';
import { BUNDLE_FILES, type BundleResult, type RunBundle, readBundle, readEpochLines, readResult, readStatus, readStepLines } from './bundle';
import { applyDecision, importProgress } from './bundle-state';

export interface ImportedBundle {
  dir: string;
  runId: number;
  status: string;
  /** False when the bundle was imported before: its new epochs were added to the same run. */
  created: boolean;
}

/** The bundle folders under `dir`: itself when it is one, else its subfolders that are (an emitted sweep). */
export function findBundles(dir: string): string[] {
  const root = path.resolve(dir);
  if (!fs.existsSync(root)) throw new Error(`${root}: no such folder`);
  if (fs.existsSync(path.join(root, BUNDLE_FILES.bundle))) return [root];
  const found = fs.readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, e.name, BUNDLE_FILES.bundle)))
    .map((e) => path.join(root, e.name))
    .sort((a, b) => path.basename(a).localeCompare(path.basename(b), undefined, { numeric: true }));
  if (found.length === 0) throw new Error(`${root}: no ${BUNDLE_FILES.bundle} in the folder or its subfolders; is it a bundle or an emitted sweep?`);
  return found;
}

interface CheckedBundle {
  dir: string;
  bundle: RunBundle;
  result: BundleResult | undefined;
  dataset: string;
}

/** Reads every file of a bundle that the import will use, so a corrupt one stops the import before anything is stored. */
function checkBundle(store: TemperStore, dir: string): CheckedBundle {
  const bundle = readBundle(dir);
  readEpochLines(dir);
  readStepLines(dir);
  readStatus(dir);
  const result = readResult(dir);
  const dataset = store.listDatasets().find((d) => d.contentHash === bundle.dataset.contentHash);
  if (!dataset) {
    throw new Error(`${path.join(dir, BUNDLE_FILES.bundle)}: dataset '${bundle.dataset.name}' (content hash ${bundle.dataset.contentHash.slice(0, 19)}…) is not registered here; add the same dataset first (temper datasets add)`);
  }
  return { dir, bundle, result, dataset: dataset.name };
}

/**
 * Imports finished or partial bundles (from `--emit-slurm`, or copied off a cluster) as runs: all
 * bundles are checked first and stored in one transaction, so a corrupt or half-written bundle
 * changes nothing. A bundle imported before gets its new epochs and its end, not a second run.
 * A bundle with no result yet becomes `interrupted`; importing it again later completes it.
 */
export function importBundles(store: TemperStore, dir: string): ImportedBundle[] {
  const checked = findBundles(dir).map((d) => checkBundle(store, d));
  return store.transaction(() => checked.map((c) => importOne(store, c)));
}

function importOne(store: TemperStore, { dir, bundle, result, dataset }: CheckedBundle): ImportedBundle {
  const existing = store.clusters.bundleById(bundle.id);
  let runId = existing?.runId;
  if (runId === undefined) {
    const parentId = bundle.parent && store.getRun(bundle.parent.runId) ? bundle.parent.runId : null;
    runId = store.insertRun({ config: bundle.config, dataset, name: bundle.name, parentId, appVersion: bundle.appVersion, datasetHash: bundle.dataset.contentHash });
    store.clusters.linkBundle({ runId, bundleId: bundle.id, dir, cluster: null, taskIndex: null });
    store.markRunning(runId, { backend: result?.backend ?? 'bundle', device: result?.device ?? '' });
  } else if (existing!.dir !== dir) {
    store.clusters.relocateBundle(runId, dir);
    store.updateRunStatus(runId, 'running');
  } else {
    store.updateRunStatus(runId, 'running');
  }
  importProgress(store, runId);
  if (result?.status === 'completed') applyDecision(store, runId, { status: 'completed', finalTop1: result.finalTop1 }, undefined, undefined);
  else if (result?.status === 'failed') applyDecision(store, runId, { status: 'failed', error: result.error ?? 'failed' }, undefined, undefined);
  else {
    const why = result ? `the run was stopped by ${result.signal ?? 'a signal'}` : 'the bundle had no result yet when it was imported';
    applyDecision(store, runId, { status: 'interrupted', error: `interrupted: ${why}; import it again once it has finished` }, undefined, undefined);
  }
  return { dir, runId, status: store.getRun(runId)!.status, created: existing === undefined };
}
