import fs from 'node:fs';
import path from 'node:path';
import type {
  AppInfo,
  DatasetInfo,
  ExportFormat,
  ImportRequest,
  RunDetail,
  RunEstimate,
  Settings,
  SweepRequest,
  TemperApi,
  TemperEvent,
  TrainRequest,
} from '../../shared/api';
import { backendUnavailable } from '../../shared/backends';
import { trainConfigSchema } from '../../shared/config';
import type { ClusterProfileInput } from '../../shared/cluster-profile';
import type { ListRunsQuery, RunCurves } from '../../shared/records';
import { APP_VERSION } from '../../shared/version';
import { checkDatasetName, datasetDir, type DatasetManifest, THUMBNAILS_FILE } from '../data/cache';
import { writeDemoDataset } from '../data/demo';
import { probeBackendsInWorker } from '../trainer/doctor';
import { ClusterService } from './cluster/clusters';
import { ClusterPoller } from './cluster/poller';
import { estimateRun } from './estimate';
import { exportRun } from './exports';
import { insideFolder } from './home';
import { acquireQueueLock, releaseQueueLock } from './queue-lock';
import { RunService, runDir } from './runs';
import { readSettings, writeSettings } from './settings';
import { SharpnessService } from './sharpness';
import { startSweep } from './sweep-service';
import { StudyService } from './study';
import { echoPath } from '../../shared/echo';

/** How often an app that does not drain the queue (a runner had the lock) checks whether it may now. */
const LOCK_RETRY_MS = 2000;
/** Under the web server's 5-minute request timeout: a test job stuck in the queue ends with a message, not a dropped connection. */
const TEST_JOB_MS = 4 * 60_000;

export function datasetInfo(manifest: DatasetManifest): DatasetInfo {
  const { name, format, source, shape, classes, splits, contentHash, createdAt, skipped } = manifest;
  return { name, format, source, shape, classes, splits, contentHash, createdAt, skipped };
}

export interface ApiServiceOptions {
  shell?: AppInfo['shell'];
}

/**
 * TemperApi over the services: what the Electron IPC handlers and the web server call. The app
 * process drains the run queue on its trainer pool while it holds the data folder's queue lock.
 */
export class ApiService implements TemperApi {
  readonly runs: RunService;
  readonly sharpness: SharpnessService;
  readonly studies: StudyService;
  readonly clusters: ClusterService;
  private readonly listeners = new Set<(event: TemperEvent) => void>();
  private holdsQueue = false;
  private lockTimer: NodeJS.Timeout | undefined;
  /** Follows the runs sent to clusters: their epochs land in the store, their status follows Slurm. */
  private readonly clusterPoller: ClusterPoller;

  constructor(
    readonly home: string,
    private readonly options: ApiServiceOptions = {},
  ) {
    this.runs = new RunService(home);
    this.sharpness = new SharpnessService(this.runs);
    this.studies = new StudyService(this.runs);
    // From the web (the default), an exchange folder must exist already: nothing is created outside the data folder.
    this.clusters = new ClusterService(this.runs, { createExchange: (options.shell ?? 'web') !== 'web' });
    this.runs.onEvent((event) => this.emit(event));
    this.clusterPoller = new ClusterPoller(this.runs);
    this.clusterPoller.onError = (profile, error) => console.error(`cluster ${profile}: ${error}`);
    this.clusterPoller.start();
    this.takeQueue();
    if (!this.holdsQueue) this.lockTimer = setInterval(() => this.takeQueue(), LOCK_RETRY_MS);
  }

  private takeQueue(): void {
    if (this.holdsQueue || !acquireQueueLock(this.home)) return;
    this.holdsQueue = true;
    clearInterval(this.lockTimer);
    this.runs.serveQueue();
  }

  onEvent(listener: (event: TemperEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: TemperEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  async close(): Promise<void> {
    clearInterval(this.lockTimer);
    await this.clusterPoller.stop();
    await this.runs.close();
    if (this.holdsQueue) releaseQueueLock(this.home);
  }

  async appInfo(): Promise<AppInfo> {
    return { version: APP_VERSION, home: this.home, platform: process.platform, shell: this.options.shell ?? 'web' };
  }

  async doctor() {
    return probeBackendsInWorker('auto');
  }

  async getSettings(): Promise<Settings> {
    return readSettings(this.home);
  }

  /** A backend that does not load here is refused with the doctor's reason; nothing is written. */
  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    const reason = patch.backend === undefined || patch.backend === 'auto' ? null : backendUnavailable(patch.backend, await this.doctor());
    if (reason) throw new Error(`backend: ${patch.backend} is not available on this machine: ${reason}`);
    return writeSettings(this.home, patch);
  }

  async listDatasets(): Promise<DatasetInfo[]> {
    return (await this.runs.datasets.list()).map(datasetInfo);
  }

  async datasetThumbnails(name: string): Promise<string> {
    await this.runs.datasets.show(name);
    const png = await fs.promises.readFile(path.join(datasetDir(this.home, name), THUMBNAILS_FILE));
    return `data:image/png;base64,${png.toString('base64')}`;
  }

  async importDataset(request: ImportRequest): Promise<DatasetInfo> {
    const { source, ...options } = request;
    const manifest = await this.runs.datasets.add(source, options, (done, total, what) => this.emit({ type: 'dataset-import', source, done, total, what }));
    await this.runs.registerDataset(manifest.name);
    this.emit({ type: 'datasets-changed' });
    return datasetInfo(manifest);
  }

  async createDemoDataset(name = 'demo'): Promise<DatasetInfo> {
    // The name becomes a folder under the data folder: checked before the first image is written.
    checkDatasetName(name);
    const source = path.join(this.home, 'sources', name);
    await writeDemoDataset(source, {}, (done, total, what) => this.emit({ type: 'dataset-import', source, done, total, what }));
    return this.importDataset({ source, name });
  }

  async removeDataset(name: string): Promise<void> {
    await this.runs.removeDataset(name);
    this.emit({ type: 'datasets-changed' });
  }

  async listRuns(query: ListRunsQuery) {
    return this.runs.history.listRuns(query);
  }

  async getRun(id: number): Promise<RunDetail> {
    return { ...this.runs.history.detail(id), cluster: this.clusters.jobOf(id) };
  }

  /** `where`: a cluster profile's name (a Slurm job), or null for this machine's trainer pool. */
  async startRun(request: TrainRequest, where?: string | null): Promise<{ id: number; jobId?: string }> {
    const sent = where ? await this.clusters.submitRun(request, where) : null;
    const id = sent ? sent.runIds[0] : await this.runs.submit(request);
    this.emit({ type: 'run-status', id, status: 'queued', error: null });
    return sent ? { id, jobId: `${sent.jobId}_0` } : { id };
  }

  async startSweep(request: SweepRequest, where?: string | null): Promise<{ groupId: number; runIds: number[]; jobId?: string }> {
    const sent = where ? await this.clusters.submitSweep(request, where) : null;
    const started = sent ? { groupId: sent.groupId!, runIds: sent.runIds, jobId: sent.jobId } : await startSweep(this.runs, request);
    for (const id of started.runIds) this.emit({ type: 'run-status', id, status: 'queued', error: null });
    return started;
  }

  async cancelRun(id: number) {
    this.runs.cancel(id);
    return this.runs.summary(id);
  }

  async resumeRun(id: number): Promise<{ id: number }> {
    this.runs.requeue(id);
    return { id };
  }

  async deleteRun(id: number): Promise<void> {
    this.runs.history.deleteRun(id);
  }

  async tagRun(id: number, tag: string): Promise<string[]> {
    return this.runs.history.tag(id, tag);
  }

  async untagRun(id: number, tag: string): Promise<string[]> {
    return this.runs.history.untag(id, tag);
  }

  async addNote(id: number, text: string) {
    return this.runs.history.addNote(id, text);
  }

  async runCurves(ids: number[]): Promise<RunCurves[]> {
    return this.runs.history.curves(ids);
  }

  async stepMetrics(id: number, maxPoints?: number) {
    return this.runs.history.stepMetrics(id, maxPoints);
  }

  async layerStats(id: number) {
    return this.runs.history.layerStats(id);
  }

  async compareRuns(ids: number[]) {
    return this.runs.history.compare(ids);
  }

  async computeSharpness(runId: number, params: Record<string, unknown> = {}): Promise<{ id: number }> {
    return { id: this.sharpness.start(runId, params).id };
  }

  async cancelSharpness(id: number): Promise<void> {
    this.sharpness.cancel(id);
  }

  async sharpnessOf(runId: number) {
    return this.runs.history.sharpnessOf(runId);
  }

  async listStudies() {
    return this.studies.list();
  }

  async getStudy(id: number) {
    return this.studies.view(id);
  }

  async createStudy(spec: unknown) {
    return this.resumeStudy(await this.studies.create(spec));
  }

  /** Trains in the background; a failure is recorded on the study (its status and error). */
  async resumeStudy(id: number) {
    this.studies.view(id);
    this.studies.run(id).catch((error: Error) => console.error(`study ${id}: ${error.message}`));
    return { id };
  }

  async listGroups() {
    return this.runs.history.groups();
  }

  async groupSummary(groupId: number) {
    return this.runs.history.groupSummary(groupId);
  }

  /** Over IPC and the web, an export goes inside the data folder (the CLI's --out may go anywhere its user chooses). */
  async exportRun(id: number, out?: string | null, format: ExportFormat = 'temper'): Promise<{ dir: string }> {
    const fallback = path.join(runDir(this.home, id), format === 'onnx' ? 'model.onnx' : 'export');
    const target = out === undefined || out === null ? fallback : insideFolder(this.home, out, format === 'onnx' ? 'export file' : 'export folder');
    return { dir: await exportRun(this.runs, id, target, format) };
  }

  async estimateRun(request: TrainRequest): Promise<RunEstimate> {
    return estimateRun(this.runs.store, request);
  }

  async listClusters() {
    return this.clusters.listProfiles();
  }

  async addCluster(profile: ClusterProfileInput) {
    return this.clusters.addProfile(profile);
  }

  async updateCluster(profile: ClusterProfileInput) {
    return this.clusters.updateProfile(profile);
  }

  async removeCluster(name: string): Promise<void> {
    this.clusters.removeProfile(name);
  }

  async testCluster(name: string) {
    return this.clusters.testProfile(name, TEST_JOB_MS);
  }

  async validateConfig(config: unknown) {
    const result = trainConfigSchema.safeParse(config);
    if (result.success) return { config: result.data };
    return { errors: result.error.issues.map((i) => ({ path: echoPath(i.path), message: i.message })) };
  }
}

export async function openApiService(home: string, options: ApiServiceOptions = {}): Promise<ApiService> {
  return new ApiService(home, options);
}
