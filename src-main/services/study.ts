import type { StepProgress } from '../../shared/metrics';
import { parseTrainConfig, type TrainConfigInput } from '../../shared/config';
import { bitsLabel, cellConfig, parentConfig, parseStudySpec, runLabel, sameCell, studyCells, type StudySpec } from '../../shared/study';
import { type StudyEntry, studyProgress, studyResults, type StudyView } from '../../shared/study-results';
import { parseSharpnessParams, type SharpnessParamsInput } from '../engine/sharpness';
import type { StudyRow } from '../store/studies';
import { isProcessAlive } from './run-files';
import type { RunService } from './runs';
import { SharpnessService } from './sharpness';

/** What a study driver reports while it trains and measures. */
export interface StudyHooks {
  /** A run is about to train (or resume): which one and what it is. */
  onRunStart?: (runId: number, label: string) => void;
  onRunProgress?: (runId: number, p: StepProgress) => void;
  onRunEnd?: (runId: number, status: string, top1: number | null) => void;
  onMeasure?: (runId: number, done: number, total: number, what: string) => void;
}

const RESUMABLE = ['interrupted', 'cancelled'];

/**
 * Studies: a validated spec stored with a group for its runs. `run` trains what is left in this
 * process, in order: the parent, then each grid run from the parent's weights followed by its
 * sharpness measures; it can be called again on a study that stopped part way.
 */
export class StudyService {
  readonly sharpness: SharpnessService;
  private readonly driving = new Set<number>();

  constructor(private readonly runs: RunService) {
    this.sharpness = new SharpnessService(runs);
  }

  private sharpnessParams(spec: StudySpec): SharpnessParamsInput {
    return { ...(spec.sharpness as SharpnessParamsInput), measures: spec.measures };
  }

  /** Checks everything a study will need before storing it: every cell's config, the parent, the sharpness parameters, the dataset. */
  async create(input: unknown): Promise<number> {
    const spec = parseStudySpec(input);
    if (spec.measures.length) {
      try {
        parseSharpnessParams(this.sharpnessParams(spec));
      } catch (error) {
        throw new Error(`Invalid study spec: sharpness: ${(error as Error).message}`);
      }
    }
    for (const cell of studyCells(spec)) {
      for (const seed of spec.grid.seeds) {
        try {
          parseTrainConfig(cellConfig(spec, cell, seed));
        } catch (error) {
          throw new Error(`Invalid study spec: recipe for ${runLabel(cell, seed)}: ${(error as Error).message}`);
        }
      }
    }
    const model = parseTrainConfig(cellConfig(spec, studyCells(spec)[0], 0)).model;
    let parentRunId: number | null = null;
    if ('run' in spec.parent) {
      const parent = this.runs.store.getRun(spec.parent.run);
      if (!parent) throw new Error(`Invalid study spec: parent.run: no run ${spec.parent.run}`);
      if (parent.status !== 'completed') throw new Error(`Invalid study spec: parent.run: run ${parent.id} is ${parent.status}; start from a completed run`);
      if (parent.model !== model || parent.dataset !== spec.dataset) throw new Error(`Invalid study spec: parent.run: run ${parent.id} trained a ${parent.model} on '${parent.dataset}', the study trains a ${model} on '${spec.dataset}'`);
      parentRunId = parent.id;
    } else {
      try {
        parseTrainConfig(parentConfig(spec));
      } catch (error) {
        throw new Error(`Invalid study spec: parent.train: ${(error as Error).message}`);
      }
    }
    await this.runs.registerDataset(spec.dataset);
    const name = spec.name ?? `${spec.grid.quantizers.join(' vs ')} at ${spec.grid.bits.map(bitsLabel).join('/')}`;
    const { store } = this.runs;
    return store.transaction(() => store.studies.insertStudy(name, spec, store.insertGroup(`study: ${name}`, spec), parentRunId));
  }

  private row(id: number): StudyRow {
    const row = this.runs.store.studies.getStudy(id);
    if (!row) throw new Error(`no study ${id}`);
    return row;
  }

  /** The study with its runs, progress and results (intervals over the runs completed so far). */
  view(id: number): StudyView {
    const row = this.row(id);
    const spec = parseStudySpec(row.spec);
    const cells = studyCells(spec);
    const entries: StudyEntry[] = this.runs.store.studies.studyRuns(id).map((r) => ({
      runId: r.runId, cell: r.cell, seed: r.seed, status: r.status, error: r.error, top1: r.finalTop1, trace: r.trace, eigen: r.eigen, perturb: r.perturb,
      testSet: r.testImages === null || r.testSet === null ? null : { images: r.testImages, hash: r.testSet },
    }));
    const orphaned = this.orphaned(row);
    return {
      id, name: row.name, spec, status: orphaned ? 'interrupted' : row.status, error: orphaned ?? row.error, groupId: row.groupId ?? 0, parentRunId: row.parentRunId, createdAt: row.createdAt,
      progress: studyProgress(cells.length * spec.grid.seeds.length, entries, spec.measures),
      entries,
      results: studyResults(cells, entries, spec.baseline, spec.measures, spec.grid.seeds),
    };
  }

  /**
   * Why a study stored as running is not: the process running it ended (as runs do, same host
   * only), or no owner was recorded (a study left running before owners were). Null otherwise.
   */
  private orphaned(row: StudyRow): string | null {
    if (row.status !== 'running' || this.driving.has(row.id)) return null;
    if (row.ownerPid === null) return 'the process that ran it is gone';
    if (row.ownerHost !== this.runs.owner.host) return null;
    if (row.ownerPid === process.pid || isProcessAlive(row.ownerPid)) return null;
    return `the process running it (pid ${row.ownerPid}) ended`;
  }

  list(limit = 100): StudyView[] {
    return this.runs.store.studies.listStudies(limit).map((row) => this.view(row.id));
  }

  /** Trains a run to its end in this process: one it has just claimed (`fresh`), or one left queued, interrupted or cancelled. */
  private async train(runId: number, label: string, hooks: StudyHooks, fresh = false): Promise<string> {
    const run = this.runs.store.getRun(runId)!;
    const onProgress = (p: StepProgress) => hooks.onRunProgress?.(runId, p);
    let summary;
    if (fresh || (run.status === 'queued' && this.runs.store.claimRun(runId, this.runs.owner))) {
      hooks.onRunStart?.(runId, label);
      summary = await this.runs.execute(runId, onProgress);
    } else if (RESUMABLE.includes(run.status)) {
      hooks.onRunStart?.(runId, label);
      summary = await this.runs.resume(runId, onProgress);
    } else {
      throw new Error(`run ${runId} (${label}) is ${run.status} in another process; run the study again once it has ended`);
    }
    hooks.onRunEnd?.(runId, summary.status, summary.final?.testTop1 ?? null);
    return summary.status;
  }

  /** The parent's run id once it is completed: trained first when the study trains its own. */
  private async parent(id: number, spec: StudySpec, row: StudyRow, hooks: StudyHooks): Promise<number> {
    let parentId = row.parentRunId;
    let fresh = false;
    if (parentId === null) {
      parentId = await this.runs.submit({ config: parentConfig(spec)!, dataset: spec.dataset, name: `${row.name}: fp parent` }, { groupId: row.groupId ?? undefined, claim: true });
      this.runs.store.studies.setStudyParent(id, parentId);
      fresh = true;
    }
    const status = this.runs.store.getRun(parentId)?.status === 'completed' ? 'completed' : await this.train(parentId, 'fp parent', hooks, fresh);
    if (status !== 'completed') throw new Error(`the parent run ${parentId} is ${status}${this.runs.store.getRun(parentId)?.error ? `: ${this.runs.store.getRun(parentId)!.error}` : ''}`);
    return parentId;
  }

  /** Measures a completed run unless a finished job already did; the job is linked to the study before it starts. */
  private async measure(id: number, spec: StudySpec, runId: number, sharpnessId: number | null, hooks: StudyHooks): Promise<void> {
    if (!spec.measures.length) return;
    if (sharpnessId !== null && this.runs.store.getSharpness(sharpnessId)?.status === 'completed') return;
    const job = this.sharpness.start(runId, this.sharpnessParams(spec), (done, total, what) => hooks.onMeasure?.(runId, done, total, what));
    this.runs.store.studies.setStudySharpness(id, runId, job.id);
    await job.done;
  }

  /** Trains and measures what is left of the study, in grid order; resolves with the final view. */
  async run(id: number, hooks: StudyHooks = {}): Promise<StudyView> {
    if (this.driving.has(id)) throw new Error(`study ${id} is already running in this process`);
    const before = this.row(id);
    if (before.status === 'running' && before.ownerPid !== process.pid && this.orphaned(before) === null) {
      throw new Error(`study ${id} is running in another process (pid ${before.ownerPid} on ${before.ownerHost}); let it finish or stop that process first`);
    }
    this.driving.add(id);
    const { store } = this.runs;
    try {
      const row = this.row(id);
      const spec = parseStudySpec(row.spec);
      store.studies.claimStudy(id, this.runs.owner);
      const parentId = await this.parent(id, spec, row, hooks);
      for (const cell of studyCells(spec)) {
        for (const seed of spec.grid.seeds) {
          let entry = store.studies.studyRuns(id).find((r) => sameCell(r.cell, cell) && r.seed === seed);
          const fresh = !entry;
          if (!entry) {
            const config: TrainConfigInput = cellConfig(spec, cell, seed);
            const runId = await this.runs.submit({ config, dataset: spec.dataset, initFrom: parentId, name: `${row.name}: ${runLabel(cell, seed)}` }, { groupId: row.groupId ?? undefined, claim: true });
            store.studies.addStudyRun(id, runId, cell, seed);
            entry = store.studies.studyRuns(id).find((r) => r.runId === runId)!;
          }
          const status = entry.status === 'completed' ? 'completed' : await this.train(entry.runId, runLabel(cell, seed), hooks, fresh);
          if (status === 'completed') await this.measure(id, spec, entry.runId, entry.sharpnessId, hooks);
        }
      }
      store.studies.setStudyStatus(id, 'completed');
    } catch (error) {
      store.studies.setStudyStatus(id, 'failed', (error as Error).message);
      throw error;
    } finally {
      this.driving.delete(id);
    }
    return this.view(id);
  }
}
