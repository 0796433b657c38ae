import fs from 'node:fs';
import path from 'node:path';
import { selectBackend } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint';
import { CHECKPOINT_MANIFEST } from '../engine/checkpoint-files';
import type { ExportFormat } from '../../shared/api';
import { APP_VERSION } from '../../shared/version';
import { buildExport, exportModel } from '../engine/export';
import { evaluateExport } from '../engine/export-eval';
import { evaluateOnnx } from '../engine/onnx/eval-onnx';
import { onnxFromExport, writeOnnxFile } from '../engine/onnx/export-onnx';
import { TrainingSession } from '../engine/session';
import type { DatasetService } from './datasets';
import { runCheckpointDir } from './run-files';
import type { RunService } from './runs';

/**
 * Export runs on the main thread's own tfjs, on a CPU backend: a native GPU backend belongs to
 * the trainer worker (it cannot be loaded twice in one process), and an export is small.
 */
const EXPORT_BACKEND = 'wasm';

/** Writes a completed run's final weights as a deployable quantized model in `format`. */
export async function exportRun(runs: RunService, id: number, out: string, format: ExportFormat = 'temper'): Promise<string> {
  const run = runs.store.getRun(id);
  if (!run) throw new Error(`no run ${id}`);
  if (run.status !== 'completed') throw new Error(`run ${id} is ${run.status}; only a completed run can be exported`);
  const checkpoint = exportableCheckpoint(runs, id);
  await selectBackend(EXPORT_BACKEND);
  const manifest = await runs.datasets.show(run.dataset);
  const session = TrainingSession.create(run.config, { inputShape: manifest.shape, numClasses: manifest.classes.length }, 1);
  try {
    session.restore(loadCheckpoint(checkpoint), 'resume');
    const options = { normalization: { mean: manifest.mean, std: manifest.std }, classes: manifest.classes, source: { run: id, dataset: run.dataset } };
    if (format === 'onnx') writeOnnxFile(out, onnxFromExport(await buildExport(session.model, options), APP_VERSION));
    else await exportModel(session.model, out, options);
  } finally {
    session.dispose();
  }
  return path.resolve(out);
}

/** The folder of a run's last checkpoint; an imported run's is in its bundle, if the bundle brought one. */
function exportableCheckpoint(runs: RunService, id: number): string {
  const dir = runCheckpointDir(runs.home, runs.store, id);
  const bundle = runs.store.clusters.bundleOf(id);
  if (bundle && runs.store.latestCheckpoint(id) === undefined) {
    throw new Error(`run ${id} was imported from the bundle ${bundle.dir}, which held no checkpoint; it cannot be exported`);
  }
  if (bundle && !fs.existsSync(path.join(dir, CHECKPOINT_MANIFEST))) {
    throw new Error(`run ${id}'s checkpoint was in its bundle at ${dir}, which no longer holds it (was the bundle moved or deleted?)`);
  }
  return dir;
}

/** Runs an export folder (with tfjs) or an .onnx file (with ONNX Runtime) on a dataset's test split. */
export async function evaluateExportDir(datasets: DatasetService, dir: string, dataset: string): Promise<{ testTop1: number; count: number; runtime: 'temper' | 'onnxruntime' }> {
  const testSet = datasets.loadSplit(dataset, 'test');
  if (dir.endsWith('.onnx')) {
    const metrics = await evaluateOnnx(dir, testSet);
    return { testTop1: metrics.top1, count: metrics.count, runtime: 'onnxruntime' };
  }
  await selectBackend(EXPORT_BACKEND);
  const metrics = await evaluateExport(dir, testSet);
  return { testTop1: metrics.top1, count: metrics.count, runtime: 'temper' };
}
