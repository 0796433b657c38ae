import fs from 'node:fs';
import path from 'node:path';
import type { RunBundleRecord } from '../../store/clusters';
import type { TemperStore } from '../../store/interface';
import { BUNDLE_FILES, type BundleResult, type RunBundle, readBundle, readResult, readStatus } from './bundle';
import { checkBundleLinks } from './bundle-files';
import { checkRecords, type RecordLimits } from './bundle-records';
import { applyDecision, boundsOf, importProgress } from './bundle-state';

export interface ImportedBundle {
  dir: string;
  /** Null when the bundle was refused. */
  runId: number | null;
  /** The run's status after the import, or `refused`. */
  status: string;
  /** False when the bundle was imported before: its new epochs were added to the same run. */
  created: boolean;
  /** False when nothing changed: the run was already completed from this bundle. */
  changed: boolean;
  /** Why the bundle was refused (nothing of it was stored). */
  error?: string;
}

export interface ImportOptions {
  /** Lower limits on the bundle's line files than the defaults (tests). */
  limits?: RecordLimits;
}

const refused = (dir: string, error: unknown): ImportedBundle => ({ dir, runId: null, status: 'refused', created: false, changed: false, error: (error as Error).message });

/**
 * The bundle folders under `dir`: itself when it is one, else its subfolders that are (an emitted
 * sweep). A subfolder that is a link is refused by name, not followed.
 */
export function findBundles(dir: string): { bundles: string[]; links: ImportedBundle[] } {
  const given = path.resolve(dir);
  if (!fs.existsSync(given)) throw new Error(`${given}: no such folder`);
  // The folder the user named may be a link; what lies inside it is checked.
  const root = fs.realpathSync(given);
  if (isEntry(path.join(root, BUNDLE_FILES.bundle))) return { bundles: [root], links: [] };
  const bundles: string[] = [];
  const links: ImportedBundle[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const sub = path.join(root, entry.name);
    if (entry.isSymbolicLink()) links.push(refused(sub, new Error(`${sub}: a link; links are not followed (import the folder it points to)`)));
    else if (entry.isDirectory() && isEntry(path.join(sub, BUNDLE_FILES.bundle))) bundles.push(sub);
  }
  bundles.sort((a, b) => path.basename(a).localeCompare(path.basename(b), undefined, { numeric: true }));
  if (bundles.length === 0 && links.length === 0) throw new Error(`${root}: no ${BUNDLE_FILES.bundle} in the folder or its subfolders; is it a bundle or an emitted sweep?`);
  return { bundles, links };
}

/** Something is there (a file, or a link that checkBundleLinks then judges), without following a link. */
function isEntry(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

interface CheckedBundle {
  dir: string;
  bundle: RunBundle & { seal: string };
  result: BundleResult | undefined;
  dataset: string;
}

/** The checks that need no transaction: links, bundle.json and its seal, the status and result files, the dataset. */
function checkBundle(store: TemperStore, dir: string): CheckedBundle {
  checkBundleLinks(dir);
  const file = path.join(dir, BUNDLE_FILES.bundle);
  const bundle = readBundle(dir);
  if (bundle.seal === undefined || bundle.sweep === undefined) {
    throw new Error(`${file}: seal: missing; the bundle was written by an older Temper or by hand (emit the sweep again)`);
  }
  readStatus(dir);
  const result = readResult(dir);
  const dataset = store.listDatasets().find((d) => d.contentHash === bundle.dataset.contentHash);
  if (!dataset) {
    throw new Error(`${file}: dataset '${bundle.dataset.name}' (content hash ${bundle.dataset.contentHash.slice(0, 19)}…) is not registered here; add the same dataset first (temper datasets add)`);
  }
  return { dir, bundle: bundle as CheckedBundle['bundle'], result, dataset: dataset.name };
}

/** Bundles that share an id with another in the same import: which copy is the run is not for Temper to guess. */
function refuseDuplicates(checked: CheckedBundle[]): { unique: CheckedBundle[]; duplicates: ImportedBundle[] } {
  const byId = new Map<string, CheckedBundle[]>();
  for (const c of checked) byId.set(c.bundle.id, [...(byId.get(c.bundle.id) ?? []), c]);
  const duplicates = checked.filter((c) => byId.get(c.bundle.id)!.length > 1).map((c) => {
    const others = byId.get(c.bundle.id)!.filter((o) => o !== c).map((o) => o.dir);
    return refused(c.dir, new Error(`${path.join(c.dir, BUNDLE_FILES.bundle)}: id ${c.bundle.id} is also the id of ${others.join(', ')}; import one copy at a time`));
  });
  return { unique: checked.filter((c) => byId.get(c.bundle.id)!.length === 1), duplicates };
}

/**
 * Imports finished or partial bundles (from `--emit-slurm`, or copied off a cluster) as runs. Each
 * bundle is checked whole (links, seal, every line against its run's bounds) and stored in its own
 * transaction: a bad bundle is refused by name with nothing of it stored, and the others import.
 * A bundle imported before gets its new epochs and its end, not a second run. A bundle with no
 * result yet becomes `interrupted`; importing it again later completes it.
 */
export function importBundles(store: TemperStore, dir: string, options: ImportOptions = {}): ImportedBundle[] {
  const { bundles, links } = findBundles(dir);
  const outcomes: ImportedBundle[] = [...links];
  const checked: CheckedBundle[] = [];
  for (const bundleDir of bundles) {
    try {
      checked.push(checkBundle(store, bundleDir));
    } catch (error) {
      outcomes.push(refused(bundleDir, error));
    }
  }
  const { unique, duplicates } = refuseDuplicates(checked);
  outcomes.push(...duplicates);
  for (const c of unique) {
    try {
      outcomes.push(store.transaction(() => importOne(store, c, options)));
    } catch (error) {
      outcomes.push(refused(c.dir, error));
    }
  }
  const order = new Map(bundles.map((b, i) => [b, i]));
  return outcomes.sort((a, b) => (order.get(a.dir) ?? -1) - (order.get(b.dir) ?? -1));
}

/** Refuses a bundle whose id belongs to a run it is not: another seal, or a run Temper follows on a cluster. */
function checkSameRun(store: TemperStore, existing: RunBundleRecord, { dir, bundle }: CheckedBundle): void {
  const file = path.join(dir, BUNDLE_FILES.bundle);
  if (existing.cluster !== null) {
    throw new Error(`${file}: id ${bundle.id} is the bundle of run ${existing.runId} on cluster '${existing.cluster}', which Temper follows there itself; refused`);
  }
  const run = store.getRun(existing.runId)!;
  const same = existing.seal === null ? JSON.stringify(run.config) === JSON.stringify(bundle.config) && run.datasetHash === bundle.dataset.contentHash : existing.seal === bundle.seal;
  if (!same) throw new Error(`${file}: id ${bundle.id} is the bundle of run ${existing.runId}, emitted with another sweep, profile or config; refused`);
  if (run.status === 'queued' || run.status === 'running') throw new Error(`${file}: run ${existing.runId} of this bundle is ${run.status} here; refused`);
}

function importOne(store: TemperStore, checked: CheckedBundle, options: ImportOptions): ImportedBundle {
  const { dir, bundle, result, dataset } = checked;
  const existing = store.clusters.bundleById(bundle.id);
  let runId = existing?.runId;
  if (existing) {
    checkSameRun(store, existing, checked);
    // A completed run is final: a copy taken earlier must not turn it back into an interrupted one.
    if (store.getRun(existing.runId)!.status === 'completed') {
      checkRecords(dir, boundsOf(store, existing.runId), options.limits);
      return { dir, runId: existing.runId, status: 'completed', created: false, changed: false };
    }
    if (existing.dir !== dir) store.clusters.relocateBundle(existing.runId, dir);
    store.updateRunStatus(existing.runId, 'running');
  } else {
    const parentId = bundle.parent && store.getRun(bundle.parent.runId) ? bundle.parent.runId : null;
    runId = store.insertRun({ config: bundle.config, dataset, name: bundle.name, parentId, appVersion: bundle.appVersion, datasetHash: bundle.dataset.contentHash });
    store.clusters.linkBundle({ runId, bundleId: bundle.id, dir, cluster: null, taskIndex: null, seal: bundle.seal });
    store.markRunning(runId, { backend: result?.backend ?? 'bundle', device: result?.device ?? '' });
  }
  const id = runId!;
  importProgress(store, id, options.limits);
  if (result?.status === 'completed') applyDecision(store, id, { status: 'completed', finalTop1: result.finalTop1 }, undefined, undefined);
  else if (result?.status === 'failed') applyDecision(store, id, { status: 'failed', error: result.error ?? 'failed' }, undefined, undefined);
  else {
    const why = result ? `the run was stopped by ${result.signal ?? 'a signal'}` : 'the bundle had no result yet when it was imported';
    applyDecision(store, id, { status: 'interrupted', error: `interrupted: ${why}; import it again once it has finished` }, undefined, undefined);
  }
  return { dir, runId: id, status: store.getRun(id)!.status, created: existing === undefined, changed: true };
}
