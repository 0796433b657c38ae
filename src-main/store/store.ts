import { AnnotationQueries } from './annotations';
import { ClusterQueries } from './clusters';
import { DatasetQueries } from './datasets';
import { type Db, openDatabase, storeFile } from './db';
import { RunEventQueries } from './events';
import { GroupQueries } from './groups';
import { LifecycleQueries } from './lifecycle';
import type { TemperStore } from './interface';
import { MetricQueries } from './metrics';
import { RunQueries } from './runs';
import { SharpnessQueries } from './sharpness';
import { StudyQueries } from './studies';

/** TemperStore over one better-sqlite3 connection; each concept's statements live in its own file. */
export class SqliteStore implements TemperStore {
  private readonly runs: RunQueries;
  private readonly metrics: MetricQueries;
  private readonly annotations: AnnotationQueries;
  private readonly groups: GroupQueries;
  private readonly datasets: DatasetQueries;
  private readonly lifecycle: LifecycleQueries;
  private readonly sharpness: SharpnessQueries;
  private readonly events: RunEventQueries;
  /** Cluster profiles and the bundles of runs trained on a cluster or imported. */
  readonly clusters: ClusterQueries;
  /** Studies: specs and the links to their runs and sharpness results. */
  readonly studies: StudyQueries;

  constructor(readonly db: Db) {
    this.clusters = new ClusterQueries(db);
    this.events = new RunEventQueries(db);
    this.studies = new StudyQueries(db);
    this.runs = new RunQueries(db, this.events);
    this.metrics = new MetricQueries(db);
    this.annotations = new AnnotationQueries(db);
    this.groups = new GroupQueries(db);
    this.datasets = new DatasetQueries(db);
    this.lifecycle = new LifecycleQueries(db, this.events);
    this.sharpness = new SharpnessQueries(db);
  }

  insertRun: TemperStore['insertRun'] = (run) => this.runs.insertRun(run);
  getRun: TemperStore['getRun'] = (id) => this.runs.getRun(id);
  listRuns: TemperStore['listRuns'] = (query) => this.runs.listRuns(query);
  updateRunStatus: TemperStore['updateRunStatus'] = (id, status, error) => this.runs.updateRunStatus(id, status, error);
  markRunning: TemperStore['markRunning'] = (id, start) => this.runs.markRunning(id, start);
  /** Ends a run and chooses its best again over the epochs recorded by then (a resume may have lost one). */
  finishRun: TemperStore['finishRun'] = (id, finish) =>
    this.db.transaction(() => {
      const changed = this.runs.finishRun(id, finish);
      if (changed) this.metrics.chooseBest(id);
      return changed;
    })();
  heartbeat: TemperStore['heartbeat'] = (id, now) => this.runs.heartbeat(id, now);
  markStaleRunsInterrupted: TemperStore['markStaleRunsInterrupted'] = (olderThanMs, now) => this.runs.markStaleRunsInterrupted(olderThanMs, now);
  deleteRun: TemperStore['deleteRun'] = (id) => this.runs.deleteRun(id);
  runEvents: TemperStore['runEvents'] = (id) => this.events.eventsOf(id);

  claimRun: TemperStore['claimRun'] = (id, owner, now) => this.lifecycle.claimRun(id, owner, now);
  recordBackend: TemperStore['recordBackend'] = (id, backend, device, now) => this.lifecycle.recordBackend(id, backend, device, now);
  recordTestSet: TemperStore['recordTestSet'] = (id, set) => this.runs.recordTestSet(id, set);
  claimNextQueued: TemperStore['claimNextQueued'] = (owner) => this.lifecycle.claimNextQueued(owner);
  requestCancel: TemperStore['requestCancel'] = (id, now) => this.lifecycle.requestCancel(id, now);
  cancelRequests: TemperStore['cancelRequests'] = (owner) => this.lifecycle.cancelRequests(owner);
  requeueRun: TemperStore['requeueRun'] = (id) => this.lifecycle.requeueRun(id);
  interruptOrphans: TemperStore['interruptOrphans'] = (host, isAlive) => this.lifecycle.interruptOrphans(host, isAlive);

  appendEpochMetrics: TemperStore['appendEpochMetrics'] = (runId, metrics, now) => this.metrics.appendEpochMetrics(runId, metrics, now);
  appendStepMetrics: TemperStore['appendStepMetrics'] = (runId, points) => this.metrics.appendStepMetrics(runId, points);
  epochCurves: TemperStore['epochCurves'] = (runIds) => this.metrics.epochCurves(runIds);
  stepMetrics: TemperStore['stepMetrics'] = (runId, maxPoints) => this.metrics.stepMetrics(runId, maxPoints);
  layerStats: TemperStore['layerStats'] = (runId, epoch) => this.metrics.layerStats(runId, epoch);

  addTag: TemperStore['addTag'] = (runId, tag) => this.annotations.addTag(runId, tag);
  removeTag: TemperStore['removeTag'] = (runId, tag) => this.annotations.removeTag(runId, tag);
  tagsOf: TemperStore['tagsOf'] = (runId) => this.annotations.tagsOf(runId);
  addNote: TemperStore['addNote'] = (runId, text, createdAt) => this.annotations.addNote(runId, text, createdAt);
  notesOf: TemperStore['notesOf'] = (runId) => this.annotations.notesOf(runId);
  addCheckpoint: TemperStore['addCheckpoint'] = (checkpoint) => this.annotations.addCheckpoint(checkpoint);
  checkpointsOf: TemperStore['checkpointsOf'] = (runId) => this.annotations.checkpointsOf(runId);
  latestCheckpoint: TemperStore['latestCheckpoint'] = (runId) => this.annotations.latestCheckpoint(runId);

  insertGroup: TemperStore['insertGroup'] = (name, sweep, createdAt) => this.groups.insertGroup(name, sweep, createdAt);
  getGroup: TemperStore['getGroup'] = (id) => this.groups.getGroup(id);
  deleteGroup: TemperStore['deleteGroup'] = (id) => this.groups.deleteGroup(id);
  listGroups: TemperStore['listGroups'] = (limit, offset) => this.groups.listGroups(limit, offset);
  listGroupRuns: TemperStore['listGroupRuns'] = (groupId) => this.runs.listGroupRuns(groupId);

  insertSharpness: TemperStore['insertSharpness'] = (runId, params, owner, now) => this.sharpness.insertSharpness(runId, params, owner, now);
  abandonSharpnessOrphans: TemperStore['abandonSharpnessOrphans'] = (host, isAlive, now) => this.sharpness.abandonOrphans(host, isAlive, now);
  finishSharpness: TemperStore['finishSharpness'] = (id, status, result, error, now) => this.sharpness.finishSharpness(id, status, result, error, now);
  abandonSharpness: TemperStore['abandonSharpness'] = (id, error, now) => this.sharpness.abandonSharpness(id, error, now);
  getSharpness: TemperStore['getSharpness'] = (id) => this.sharpness.getSharpness(id);
  sharpnessOf: TemperStore['sharpnessOf'] = (runId) => this.sharpness.sharpnessOf(runId);
  latestSharpness: TemperStore['latestSharpness'] = (runId) => this.sharpness.latestSharpness(runId);

  upsertDataset: TemperStore['upsertDataset'] = (record) => this.datasets.upsertDataset(record);
  getDataset: TemperStore['getDataset'] = (name) => this.datasets.getDataset(name);
  listDatasets: TemperStore['listDatasets'] = () => this.datasets.listDatasets();
  removeDataset: TemperStore['removeDataset'] = (name) => this.datasets.removeDataset(name);
  importDatasetCaches: TemperStore['importDatasetCaches'] = (home) => this.datasets.importDatasetCaches(home);

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Opens `<home>/temper.sqlite`. A new store registers the dataset caches already in the data
 * folder, so datasets imported before the store existed keep working.
 */
export function openStore(home: string): SqliteStore {
  const { db, previousVersion } = openDatabase(storeFile(home));
  const store = new SqliteStore(db);
  if (previousVersion === 0) store.importDatasetCaches(home);
  return store;
}
