import { BEST_TOP1_HELP, bestCell, DELTA_VS_PARENT_HELP } from '../../shared/accuracy';
import type { RunRow } from '../../shared/api';
import { getPath } from '../../shared/config-fields';
import { notApplicable } from '../../shared/config-form';
import { dateTime, deltaText, number, percent, runDuration } from './format';

/**
 * The Runs table's columns: which can sort (by a filter-language field), which show by default, and
 * the config columns a user can add. Cells with markup of their own (run link, status, tags) are
 * drawn by the table; the rest are text.
 */
export interface RunsColumn {
  id: string;
  label: string;
  /** The sort field, or none for columns the server cannot sort by. */
  field?: string;
  numeric?: boolean;
  /** A header tooltip that defines the number. */
  help?: string;
  /** Shown until the user chooses otherwise. */
  shown: boolean;
  text?: (run: RunRow) => string;
}

/** A config value, or "—" where the field does not apply to the run (λ0 of an fp run). */
function configCell(path: string, format: (v: unknown) => string = (v) => (v === null || v === undefined ? '—' : String(v))) {
  return (run: RunRow) => (notApplicable(path, run.config) ? '—' : format(getPath(run.config, path)));
}

const limits = (run: RunRow) => {
  const { limitTrain, limitTest } = run.config;
  return limitTrain === null && limitTest === null ? 'all' : `${limitTrain ?? 'all'} / ${limitTest ?? 'all'}`;
};

export const RUNS_COLUMNS: RunsColumn[] = [
  { id: 'run', label: 'Run', field: 'id', shown: true },
  { id: 'model', label: 'Model', field: 'model', shown: true, text: (r) => r.model },
  { id: 'dataset', label: 'Dataset', field: 'dataset', shown: true, text: (r) => r.dataset },
  { id: 'quantizer', label: 'Quantizer', field: 'quantizer', shown: true, text: (r) => r.quantizer },
  { id: 'bits', label: 'Bits', field: 'bits', numeric: true, shown: true, text: (r) => (r.bits === null ? '—' : String(r.bits)) },
  { id: 'seed', label: 'Seed', field: 'seed', numeric: true, shown: true, text: (r) => String(r.seed) },
  { id: 'status', label: 'Status', field: 'status', shown: true },
  { id: 'best', label: 'Best top-1', field: 'best_top1', numeric: true, shown: true, text: (r) => bestCell(r, percent), help: BEST_TOP1_HELP },
  { id: 'final', label: 'Final top-1', field: 'final_top1', numeric: true, shown: true, text: (r) => percent(r.finalTop1), help: 'The test top-1 after the last epoch trained.' },
  { id: 'delta', label: 'Δ top-1 vs parent', field: 'delta_vs_parent', numeric: true, shown: true, text: deltaText, help: DELTA_VS_PARENT_HELP },
  { id: 'duration', label: 'Duration', numeric: true, shown: true, text: (r) => runDuration(r) },
  { id: 'lr', label: 'LR', numeric: true, shown: false, text: configCell('lr.base') },
  { id: 'epochs', label: 'Epochs', field: 'epochs_total', numeric: true, shown: false, text: (r) => `${r.epochsDone}/${r.epochsTotal}` },
  { id: 'batch', label: 'Batch', numeric: true, shown: false, text: configCell('batchSize') },
  { id: 'limit', label: 'Limit train / test', numeric: true, shown: false, text: limits },
  { id: 'lambda0', label: 'λ0', numeric: true, shown: false, text: configCell('quant.temper.lambda0') },
  { id: 'tau', label: 'τ', numeric: true, shown: false, text: configCell('quant.temper.tau', (v) => number(v as number, 3)) },
  { id: 'backend', label: 'Backend', field: 'backend', shown: false, text: (r) => r.backend ?? '—' },
  { id: 'tags', label: 'Tags', shown: true },
  { id: 'created', label: 'Created', field: 'created_at', shown: true, text: (r) => dateTime(r.createdAt) },
];

/** What drops out first when the shown columns are wider than the window: the least needed to tell runs apart. */
export const DROP_ORDER = ['created', 'seed', 'dataset', 'best', 'backend', 'limit', 'batch', 'epochs', 'lr', 'lambda0', 'tau', 'bits', 'tags', 'model', 'duration'];

/** The next shown column to drop, or none when only the essential ones (run, quantizer, status, top-1, Δ) are left. */
export function nextToDrop(shown: readonly string[], dropped: readonly string[]): string | undefined {
  return DROP_ORDER.find((id) => shown.includes(id) && !dropped.includes(id));
}

const STORAGE_KEY = 'temper.runs.columns';

/** The columns this user chose (kept in localStorage), else the defaults. */
export function loadShownColumns(): string[] {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    if (Array.isArray(saved)) return RUNS_COLUMNS.filter((c) => c.id === 'run' || saved.includes(c.id)).map((c) => c.id);
  } catch {
    // A damaged setting falls back to the defaults.
  }
  return RUNS_COLUMNS.filter((c) => c.shown).map((c) => c.id);
}

export function saveShownColumns(ids: string[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(ids));
  } catch {
    // Storage may be off (private windows): the choice then lasts for this page only.
  }
}
