import type { EpochMetrics, StepProgress } from '../../shared/metrics';
import type { ClusterQueries } from './clusters';
import type { StudyQueries } from './studies';
import type { DatasetImportReport } from './datasets';
import type { RunCurves } from './metrics';
import type { CancelOutcome, RunOwner } from './lifecycle';
import type { RunEvent, SharpnessRecord, SharpnessStatus, SharpnessValues } from '../../shared/records';
import type { SubsetIdentity } from '../../shared/test-set';
import type { RunStatus } from './schema';
import type {
  CheckpointRecord,
  DatasetRecord,
  GroupRecord,
  LayerStatsRow,
  ListRunsQuery,
  NewRun,
  NoteRecord,
  Page,
  RunFinish,
  RunRecord,
  RunStart,
  StepPoint,
} from './types';

/**
 * Every call the services make on the run history. One implementation (SqliteStore) over
 * better-sqlite3; the services and their tests see only this interface. Calls are synchronous.
 */
export interface TemperStore {
  // Runs and their lifecycle
  insertRun(run: NewRun): number;
  getRun(id: number): RunRecord | undefined;
  listRuns(query?: ListRunsQuery): Page<RunRecord>;
  updateRunStatus(id: number, status: RunStatus, error?: string | null): boolean;
  markRunning(id: number, start: RunStart): boolean;
  finishRun(id: number, finish: RunFinish): boolean;
  heartbeat(id: number, now?: number): boolean;
  markStaleRunsInterrupted(olderThanMs: number, now?: number): number[];
  deleteRun(id: number): boolean;
  /** The run's history: each lifecycle change with its time, epoch and step, oldest first. */
  runEvents(id: number): RunEvent[];

  // The queue, across processes
  claimRun(id: number, owner: RunOwner, now?: number): boolean;
  recordBackend(id: number, backend: string, device: string, now?: number): boolean;
  /** The test images a run is evaluated on (its trainer's report); a run with epochs on unknown ones stays unknown. */
  recordTestSet(id: number, set: SubsetIdentity): boolean;
  claimNextQueued(owner: RunOwner): number | undefined;
  requestCancel(id: number, now?: number): CancelOutcome;
  cancelRequests(owner: RunOwner): number[];
  requeueRun(id: number): boolean;
  interruptOrphans(host: string, isAlive: (pid: number) => boolean): number[];

  // Metrics
  appendEpochMetrics(runId: number, metrics: EpochMetrics, now?: number): void;
  appendStepMetrics(runId: number, points: readonly (StepPoint | StepProgress)[]): void;
  epochCurves(runIds: readonly number[]): RunCurves[];
  stepMetrics(runId: number, maxPoints?: number): StepPoint[];
  layerStats(runId: number, epoch?: number): LayerStatsRow[];

  // Tags, notes, checkpoints
  addTag(runId: number, tag: string): void;
  removeTag(runId: number, tag: string): boolean;
  tagsOf(runId: number): string[];
  addNote(runId: number, text: string, createdAt?: number): number;
  notesOf(runId: number): NoteRecord[];
  addCheckpoint(checkpoint: Omit<CheckpointRecord, 'id' | 'createdAt'> & { createdAt?: number }): void;
  checkpointsOf(runId: number): CheckpointRecord[];
  latestCheckpoint(runId: number): CheckpointRecord | undefined;

  // Sweep groups
  insertGroup(name: string, sweep: unknown, createdAt?: number): number;
  getGroup(id: number): GroupRecord | undefined;
  deleteGroup(id: number): boolean;
  listGroups(limit?: number, offset?: number): GroupRecord[];
  listGroupRuns(groupId: number): RunRecord[];

  // Sharpness results
  insertSharpness(runId: number, params: unknown, owner: RunOwner, now?: number): number;
  abandonSharpnessOrphans(host: string, isAlive: (pid: number) => boolean, now?: number): number[];
  finishSharpness(id: number, status: Exclude<SharpnessStatus, 'running'>, result: SharpnessValues | null, error?: string | null, now?: number): boolean;
  abandonSharpness(id: number, error: string, now?: number): boolean;
  getSharpness(id: number): SharpnessRecord | undefined;
  sharpnessOf(runId: number): SharpnessRecord[];
  latestSharpness(runId: number): { trace: number | null; eigen: number | null; perturb: number | null } | null;

  // Datasets
  upsertDataset(record: DatasetRecord): void;
  getDataset(name: string): DatasetRecord | undefined;
  listDatasets(): DatasetRecord[];
  removeDataset(name: string): boolean;
  importDatasetCaches(home: string): DatasetImportReport;

  /** Cluster profiles and the bundles of runs trained on a cluster or imported. */
  readonly clusters: ClusterQueries;
  /** Studies: specs and the links to their runs and sharpness results. */
  readonly studies: StudyQueries;

  /** Runs `fn` in one write transaction (nested store calls join it). */
  transaction<T>(fn: () => T): T;
  integrityCheck(): string;
  close(): void;
}
