import fs from 'node:fs';
import type { RunDetail } from '../../shared/api';
import type { ListRunsQuery } from '../../shared/records';
import type { TemperStore } from '../store/interface';
import type { RunRecord } from '../store/types';
import { compareRuns, groupSummary } from './compare';
import { runDir } from './run-files';

/**
 * The run history as the GUI, the web API and the CLI read and edit it: one list, one delete, one
 * rule for each, so no front end reaches into the store behind them.
 */
export class HistoryService {
  constructor(
    private readonly home: string,
    private readonly store: TemperStore,
  ) {}

  /** The run, or an error naming the id that is not there. */
  run(id: number): RunRecord {
    const run = this.store.getRun(id);
    if (!run) throw new Error(`no run ${id}`);
    return run;
  }

  listRuns(query: ListRunsQuery = {}) {
    const page = this.store.listRuns(query);
    return { total: page.total, rows: page.rows.map((run) => ({ ...run, tags: this.store.tagsOf(run.id) })) };
  }

  /** Everything of the run the store holds (the API adds the cluster job). */
  detail(id: number): Omit<RunDetail, 'cluster'> {
    const run = this.run(id);
    const { store } = this;
    return {
      run,
      tags: store.tagsOf(id),
      notes: store.notesOf(id),
      checkpoints: store.checkpointsOf(id),
      parent: run.parentId === null ? null : (store.getRun(run.parentId) ?? null),
      group: run.groupId === null ? null : (store.getGroup(run.groupId) ?? null),
      events: store.runEvents(id),
    };
  }

  /** A run that has ended goes, with its files; a queued or running one must be cancelled first. */
  deleteRun(id: number): void {
    const { status } = this.run(id);
    if (status === 'running' || status === 'queued') throw new Error(`run ${id} is ${status}; cancel it first`);
    this.store.deleteRun(id);
    fs.rmSync(runDir(this.home, id), { recursive: true, force: true });
  }

  tag(id: number, tag: string): string[] {
    this.run(id);
    this.store.addTag(id, tag);
    return this.store.tagsOf(id);
  }

  untag(id: number, tag: string): string[] {
    this.store.removeTag(id, tag);
    return this.store.tagsOf(id);
  }

  addNote(id: number, text: string) {
    this.run(id);
    this.store.addNote(id, text);
    return this.store.notesOf(id);
  }

  curves(ids: number[]) {
    return this.store.epochCurves(ids);
  }

  stepMetrics(id: number, maxPoints?: number) {
    return this.store.stepMetrics(id, maxPoints);
  }

  layerStats(id: number) {
    return this.store.layerStats(id);
  }

  compare(ids: number[]) {
    return compareRuns(this.store, ids, (id) => this.store.latestSharpness(id));
  }

  sharpnessOf(runId: number) {
    this.run(runId);
    return this.store.sharpnessOf(runId);
  }

  groups(limit?: number) {
    return this.store.listGroups(limit);
  }

  groupRuns(groupId: number) {
    return this.store.listGroupRuns(groupId);
  }

  groupSummary(groupId: number) {
    return groupSummary(this.store, groupId);
  }
}
