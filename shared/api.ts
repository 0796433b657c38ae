import type { SubsetIdentity } from './test-set';
import type { ClusterJob, ClusterProfile, ClusterProfileInput, ConnectionReport } from './cluster-profile';
import type { BackendChoice, TrainConfig, TrainConfigInput } from './config';
import type {
  CheckpointRecord,
  GroupRecord,
  LayerStatsRow,
  ListRunsQuery,
  NoteRecord,
  Page,
  RunCurves,
  RunEvent,
  RunRecord,
  RunStatus,
  SharpnessRecord,
  SharpnessStatus,
  StepPoint,
} from './records';
import type { StudyView } from './study-results';
import type { Comparison, GroupSummary } from './comparison';

/**
 * TemperApi: every call the renderer can make. Electron IPC, the web transport (temper serve) and
 * tests implement or consume exactly this interface (design.md); shared/api-schemas.ts validates
 * the arguments of each call on the main side. Values are plain JSON.
 */

export interface AppInfo {
  version: string;
  /** The data folder this app instance uses. */
  home: string;
  platform: string;
  /** 'electron' or 'web': the renderer offers native pickers only in Electron. */
  shell: 'electron' | 'web';
}

export interface BackendStatus {
  name: string;
  available: boolean;
  reason: string | null;
  device: string | null;
}

/** `temper doctor --json`: what `auto` picks and why each backend is or is not available. */
export interface BackendReport {
  selected: string;
  backends: BackendStatus[];
}

export interface Settings {
  backend: BackendChoice;
  /** Runs trained at once on the CPU backends (each uses `threadsPerRun` worker threads). */
  cpuWorkers: number;
  /** Data-parallel worker threads per run on the wasm backend. */
  threadsPerRun: number;
}

export interface SplitSummary {
  count: number;
  perClass: number[];
}

export interface DatasetInfo {
  name: string;
  format: string;
  source: string;
  shape: [number, number, number];
  classes: string[];
  splits: { train: SplitSummary; val?: SplitSummary; test?: SplitSummary };
  contentHash: string;
  createdAt: string;
  /** Files the import skipped, with the reason. */
  skipped: { file: string; reason: string }[];
}

export interface ImportRequest {
  /** A folder or archive on the machine that runs Temper. */
  source: string;
  name?: string;
  format?: 'idx' | 'cifar10' | 'cifar100' | 'image-folder';
  size?: [number, number];
  channels?: 1 | 3;
}

/** What `temper train` and the New run form ask for. */
export interface TrainRequest {
  config: TrainConfigInput;
  dataset: string;
  /** A completed run whose weights this run starts from (usually full precision). */
  initFrom?: number;
  name?: string;
}

/** A sweep: a base request, and for each swept config path (e.g. `quant.bits`) the values to try. */
export interface SweepRequest extends TrainRequest {
  /** Keys are config paths (`quant.quantizer`, `quant.bits`, `seed`, `lr.base`, ...); `quantizer` and `bits` are short for the quant ones. */
  sweep: Record<string, unknown[]>;
}

export interface RunSummary {
  id: number;
  status: RunStatus;
  final: { testTop1: number; testLoss: number } | null;
  /** Test top-1 at the epoch with the best validation top-1; null with bestUnavailable saying why (never chosen on test). */
  best: { testTop1: number; epoch: number } | null;
  bestUnavailable: string | null;
  parent: number | null;
  /** Null also when the parent was tested on other (or unknown) images: see testSet. */
  deltaVsParent: number | null;
  /** The test images the run was evaluated on; null when unknown. */
  testSet: SubsetIdentity | null;
  error: string | null;
}

/** A run row of the Runs table: the record plus its tags. */
export type RunRow = RunRecord & { tags: string[] };

export interface RunDetail {
  run: RunRecord;
  tags: string[];
  notes: NoteRecord[];
  checkpoints: CheckpointRecord[];
  parent: RunRecord | null;
  group: GroupRecord | null;
  /** What happened to the run, oldest first: created, started, cancels, resumes, the end. */
  events: RunEvent[];
  /** The Slurm task of a run sent to a cluster (or the bundle of an imported one); null for a run trained here. */
  cluster: ClusterJob | null;
}

export type { CompareRow, Comparison, GroupCell, GroupSummary, MeanStd } from './comparison';

export interface RunEstimate {
  seconds: number;
  imagesPerSec: number;
  /** Where the throughput came from: e.g. "3 completed cnn-small runs on wasm". */
  basis: string;
  /** Shortest and longest likely seconds where this machine has not measured this kind of run; null for a measured figure. */
  range: [number, number] | null;
}

/** Live events pushed to the renderer (IPC messages in Electron, server-sent events in web mode). */
export type TemperEvent =
  | { type: 'run-status'; id: number; status: RunStatus; error: string | null }
  | { type: 'run-progress'; id: number; epoch: number; step: number; totalSteps: number; loss: number; imagesPerSec: number }
  | { type: 'run-epoch'; id: number; epoch: number; trainLoss: number; testLoss: number; testTop1: number }
  | { type: 'dataset-import'; source: string; done: number; total: number; what: string }
  | { type: 'datasets-changed' }
  /** done/total: units over all measures; unitDone/unitTotal: within the measure `what` (its "iterations"; the total is a cap where it may stop early). */
  | { type: 'sharpness-progress'; id: number; runId: number; done: number; total: number; what: string; unitDone: number; unitTotal: number }
  /** `waiting`: a running job queued behind other jobs for a trainer worker (true), or one whose worker has it (false); absent: not known. */
  | { type: 'sharpness-status'; id: number; runId: number; status: SharpnessStatus; error: string | null; waiting?: boolean };

export interface TemperApi {
  appInfo(): Promise<AppInfo>;
  doctor(): Promise<BackendReport>;
  getSettings(): Promise<Settings>;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;

  listDatasets(): Promise<DatasetInfo[]>;
  /** The dataset's thumbnail grid as a `data:image/png;base64,...` URL. */
  datasetThumbnails(name: string): Promise<string>;
  /** Imports a folder or archive; progress arrives as `dataset-import` events. */
  importDataset(request: ImportRequest): Promise<DatasetInfo>;
  /** Writes the demo dataset's files under the data folder and imports them as `name` (default "demo"). */
  createDemoDataset(name?: string): Promise<DatasetInfo>;
  removeDataset(name: string): Promise<void>;

  listRuns(query: ListRunsQuery): Promise<Page<RunRow>>;
  getRun(id: number): Promise<RunDetail>;
  /** Validates and queues a run for the trainer pool, or (`where`: a cluster profile's name) submits it as a Slurm job. */
  startRun(request: TrainRequest, where?: string | null): Promise<{ id: number; jobId?: string }>;
  /** A sweep's runs, queued here or (`where`: a cluster profile) sent as one Slurm job array. */
  startSweep(request: SweepRequest, where?: string | null): Promise<{ groupId: number; runIds: number[]; jobId?: string }>;
  cancelRun(id: number): Promise<RunSummary>;
  /** Queues an interrupted or cancelled run again; it continues from its last checkpoint. */
  resumeRun(id: number): Promise<{ id: number }>;
  deleteRun(id: number): Promise<void>;
  tagRun(id: number, tag: string): Promise<string[]>;
  untagRun(id: number, tag: string): Promise<string[]>;
  addNote(id: number, text: string): Promise<NoteRecord[]>;

  runCurves(ids: number[]): Promise<RunCurves[]>;
  stepMetrics(id: number, maxPoints?: number): Promise<StepPoint[]>;
  layerStats(id: number): Promise<LayerStatsRow[]>;
  compareRuns(ids: number[]): Promise<Comparison>;
  listGroups(): Promise<GroupRecord[]>;
  groupSummary(groupId: number): Promise<GroupSummary>;
  /**
   * Writes the deployable model to `out`, or into the run's folder: Temper's export folder
   * (docs/export-format.md) or, with format 'onnx', one ONNX file (docs/onnx-export.md).
   */
  exportRun(id: number, out?: string | null, format?: ExportFormat): Promise<{ dir: string }>;
  /** Run time of a config on a dataset, from the throughput of earlier runs on this machine. */
  estimateRun(request: TrainRequest): Promise<RunEstimate>;
  /**
   * Starts a sharpness job (method.md §5) on a completed run; progress and the end arrive as
   * sharpness events. `params` as in `temper sharpness` (measures, images, seed, hvp, trace: {
   * maxIterations, minIterations, relativeStderr }, ...; `samples` is accepted for images); defaults fill the rest.
   */
  computeSharpness(runId: number, params?: Record<string, unknown>): Promise<{ id: number }>;
  cancelSharpness(id: number): Promise<void>;
  /** A run's sharpness results, newest first. */
  sharpnessOf(runId: number): Promise<SharpnessRecord[]>;
  /** Studies, newest first (a study's runs, progress and results as in `temper study show`). */
  listStudies(): Promise<StudyView[]>;
  getStudy(id: number): Promise<StudyView>;
  /** Validates a study spec, stores it and starts training it in this process (parent, runs, measures). */
  createStudy(spec: unknown): Promise<{ id: number }>;
  /** Continues a study that stopped part way (the app was closed, a run was interrupted). */
  resumeStudy(id: number): Promise<{ id: number }>;
  /** Slurm cluster profiles (Settings → Clusters), by name. */
  listClusters(): Promise<ClusterProfile[]>;
  /**
   * A new profile (refused when the name is taken), or a replacement of the one of that name; errors name the field.
   * Over the web (`temper serve`) the command fields (commandPrefix, setup, temperCommand, extraSbatch) cannot be
   * set: a new profile has none, an edit keeps the stored ones (403 otherwise); the desktop app and the CLI set them.
   */
  addCluster(profile: ClusterProfileInput): Promise<ClusterProfile>;
  updateCluster(profile: ClusterProfileInput): Promise<ClusterProfile>;
  /** Refused while runs on that cluster are queued or running. */
  removeCluster(name: string): Promise<void>;
  /** Checks the profile (exchange folder, sbatch, partition) and runs a tiny job: the node's name and the backend picked there. Over the web the exchange folder must exist already. */
  testCluster(name: string): Promise<ConnectionReport>;
  /** A config with every default filled in, or the validation errors by field path. */
  validateConfig(config: unknown): Promise<{ config: TrainConfig } | { errors: { path: string; message: string }[] }>;
}

export type ApiMethod = keyof TemperApi;

/** IPC channel of each call, so the main process and the preload cannot drift apart. */
/** What exportRun writes: Temper's own folder, or an ONNX file for deployment runtimes. */
export const EXPORT_FORMATS = ['temper', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const API_CHANNELS = {
  appInfo: 'temper:app-info',
  doctor: 'temper:doctor',
  getSettings: 'temper:get-settings',
  updateSettings: 'temper:update-settings',
  listDatasets: 'temper:list-datasets',
  datasetThumbnails: 'temper:dataset-thumbnails',
  importDataset: 'temper:import-dataset',
  createDemoDataset: 'temper:create-demo-dataset',
  removeDataset: 'temper:remove-dataset',
  listRuns: 'temper:list-runs',
  getRun: 'temper:get-run',
  startRun: 'temper:start-run',
  startSweep: 'temper:start-sweep',
  cancelRun: 'temper:cancel-run',
  resumeRun: 'temper:resume-run',
  deleteRun: 'temper:delete-run',
  tagRun: 'temper:tag-run',
  untagRun: 'temper:untag-run',
  addNote: 'temper:add-note',
  runCurves: 'temper:run-curves',
  stepMetrics: 'temper:step-metrics',
  layerStats: 'temper:layer-stats',
  compareRuns: 'temper:compare-runs',
  listGroups: 'temper:list-groups',
  groupSummary: 'temper:group-summary',
  exportRun: 'temper:export-run',
  estimateRun: 'temper:estimate-run',
  validateConfig: 'temper:validate-config',
  computeSharpness: 'temper:compute-sharpness',
  cancelSharpness: 'temper:cancel-sharpness',
  sharpnessOf: 'temper:sharpness-of',
  listStudies: 'temper:list-studies',
  getStudy: 'temper:get-study',
  createStudy: 'temper:create-study',
  resumeStudy: 'temper:resume-study',
  listClusters: 'temper:list-clusters',
  addCluster: 'temper:add-cluster',
  updateCluster: 'temper:update-cluster',
  removeCluster: 'temper:remove-cluster',
  testCluster: 'temper:test-cluster',
} as const satisfies Record<ApiMethod, string>;

/** The channel the main process pushes TemperEvents on. */
export const EVENT_CHANNEL = 'temper:event';
