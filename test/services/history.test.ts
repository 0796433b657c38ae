import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryService } from '../../src-main/services/history';
import { runDir } from '../../src-main/services/run-files';
import type { SqliteStore } from '../../src-main/store/store';
import { epochMetrics, newRun, storeWithDatasets, tempHome } from '../store/fixtures';

/** HistoryService on a real SQLite store and a real run folder. */
let home: string;
let store: SqliteStore;
let history: HistoryService;

beforeEach(() => {
  home = tempHome('temper-history-');
  store = storeWithDatasets(home);
  history = new HistoryService(home, store);
});

afterEach(() => {
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('HistoryService', () => {
  it('lists runs with their tags and shows a run with its parent, notes and curves', () => {
    const parent = store.insertRun(newRun());
    const child = store.insertRun(newRun({ quant: { quantizer: 'nt', bits: 4 } }, { parentId: parent }));
    history.tag(child, 'best');
    history.addNote(child, 'looks flat');
    store.appendEpochMetrics(child, epochMetrics(1, 0.7));
    const page = history.listRuns({ sort: 'id', order: 'asc' });
    expect(page.total).toBe(2);
    expect(page.rows.map((r) => [r.id, r.tags])).toEqual([[parent, []], [child, ['best']]]);
    const detail = history.detail(child);
    expect(detail.parent?.id).toBe(parent);
    expect(detail.notes.map((n) => n.text)).toEqual(['looks flat']);
    expect(history.curves([child])[0].testTop1).toEqual([0.7]);
    expect(history.untag(child, 'best')).toEqual([]);
  });

  it('names the id that is not there', () => {
    expect(() => history.detail(99)).toThrow('no run 99');
    expect(() => history.tag(99, 'x')).toThrow('no run 99');
    expect(() => history.sharpnessOf(99)).toThrow('no run 99');
  });

  it('deletes an ended run with its folder, and refuses a queued one, keeping both', () => {
    const queued = store.insertRun(newRun());
    const ended = store.insertRun(newRun());
    store.finishRun(ended, { status: 'failed', error: 'x' });
    for (const id of [queued, ended]) fs.mkdirSync(path.join(runDir(home, id), 'checkpoint'), { recursive: true });
    expect(() => history.deleteRun(queued)).toThrow(`run ${queued} is queued; cancel it first`);
    history.deleteRun(ended);
    expect(store.getRun(ended)).toBeUndefined();
    expect(fs.existsSync(runDir(home, ended))).toBe(false);
    expect(store.getRun(queued)?.status).toBe('queued');
    expect(fs.existsSync(runDir(home, queued))).toBe(true);
  });
});
