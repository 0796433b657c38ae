import { bestByValidation, type EpochScores } from '../../shared/best-epoch';
import { LIMITS } from '../../shared/records';
import { compareLayers } from '../../shared/layers';
import type { EpochMetrics, StepProgress } from '../../shared/metrics';
import { forExistingRun } from './annotations';
import type { Db } from './db';
import type { EpochCurves, LayerStatsRow, RunCurves, StepPoint } from './types';

/** The most runs one curves request may ask for: charts fetch what they draw, never everything. */
export const MAX_CURVE_RUNS = LIMITS.runsPerRequest;

const CURVE_KEYS = [
  'epoch', 'step', 'trainLoss', 'trainTop1', 'testLoss', 'testTop1', 'testTop5', 'valLoss', 'valTop1', 'lr', 'lambda', 'seconds', 'imagesPerSec', 'wallSeconds',
] as const;

export type { RunCurves };

/** Epoch metrics, step metrics and per-layer quantizer statistics. */
export class MetricQueries {
  private readonly insertEpoch;
  private readonly insertLayer;
  private readonly advanceRun;
  private readonly selectScores;
  private readonly setBest;
  private readonly insertStep;
  private readonly selectCurve;
  private readonly countSteps;
  private readonly selectSteps;
  private readonly selectLayers;
  private readonly selectLayersAt;

  constructor(private readonly db: Db) {
    // OR REPLACE: a resumed run writes again the epochs and steps it lost.
    this.insertEpoch = db.prepare(`INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, step, train_loss, train_top1,
        test_loss, test_top1, test_top5, val_loss, val_top1, lr, lambda, seconds, images_per_sec, recorded_at)
      VALUES (@runId, @epoch, @step, @trainLoss, @trainTop1, @testLoss, @testTop1, @testTop5, @valLoss, @valTop1, @lr, @lambda, @seconds,
        @imagesPerSec, @now)`);
    this.insertLayer = db.prepare(`INSERT OR REPLACE INTO layer_stats (run_id, epoch, layer, weight_step, weight_mean_abs_err,
        weight_clip, weight_levels, input_step, input_mean_abs_err, input_clip, input_levels, lambda)
      VALUES (@runId, @epoch, @layer, @weightStep, @weightMeanAbsError, @weightClipFraction, @weightLevelsUsed, @inputStep,
        @inputMeanAbsError, @inputClipFraction, @inputLevelsUsed, @lambda)`);
    this.advanceRun = db.prepare(`UPDATE runs SET epochs_done = max(epochs_done, @epoch), heartbeat_at = @now WHERE id = @runId`);
    this.selectScores = db.prepare<[number], EpochScores>(
      'SELECT epoch, val_top1 AS valTop1, test_top1 AS testTop1 FROM epoch_metrics WHERE run_id = ? ORDER BY epoch',
    );
    this.setBest = db.prepare('UPDATE runs SET best_top1 = @testTop1, best_epoch = @epoch, best_unavailable = @unavailable WHERE id = @runId');
    this.insertStep = db.prepare(`INSERT OR REPLACE INTO step_metrics (run_id, step, loss, lr, lambda, images_per_sec)
      VALUES (@runId, @step, @loss, @lr, @lambda, @imagesPerSec)`);
    this.selectCurve = db
      // Wall time: from the run's first start to the epoch's record, stops between a cancel and a resume included.
      .prepare<[number], unknown[]>(`SELECT e.epoch, e.step, e.train_loss, e.train_top1, e.test_loss, e.test_top1, e.test_top5, e.val_loss, e.val_top1, e.lr,
          e.lambda, e.seconds, e.images_per_sec, (e.recorded_at - r.started_at) / 1000.0
        FROM epoch_metrics e JOIN runs r ON r.id = e.run_id WHERE e.run_id = ? ORDER BY e.epoch`)
      .raw();
    this.countSteps = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM step_metrics WHERE run_id = ?');
    this.selectSteps = db.prepare<[number, number], StepPoint>(`SELECT step, loss, lr, lambda, imagesPerSec FROM (
        SELECT step, loss, lr, lambda, images_per_sec AS imagesPerSec, row_number() OVER (ORDER BY step) - 1 AS i
        FROM step_metrics WHERE run_id = ?) WHERE i % ? = 0 ORDER BY step`);
    const layerColumns = `epoch, layer, weight_step AS weightStep, weight_mean_abs_err AS weightMeanAbsError,
      weight_clip AS weightClipFraction, weight_levels AS weightLevelsUsed, input_step AS inputStep,
      input_mean_abs_err AS inputMeanAbsError, input_clip AS inputClipFraction, input_levels AS inputLevelsUsed, lambda`;
    this.selectLayers = db.prepare<[number], LayerStatsRow>(`SELECT ${layerColumns} FROM layer_stats WHERE run_id = ? ORDER BY epoch, layer`);
    this.selectLayersAt = db.prepare<[number, number], LayerStatsRow>(`SELECT ${layerColumns} FROM layer_stats WHERE run_id = ? AND epoch = ? ORDER BY layer`);
  }

  /** One epoch's metrics and per-layer statistics, and the run's progress, in one transaction. */
  appendEpochMetrics(runId: number, metrics: EpochMetrics, now = Date.now()): void {
    const write = this.db.transaction(() => {
      const { epoch, lambda } = metrics;
      this.insertEpoch.run({
        runId,
        epoch,
        step: metrics.step,
        trainLoss: metrics.trainLoss,
        trainTop1: metrics.trainTop1,
        testLoss: metrics.test.loss,
        testTop1: metrics.test.top1,
        testTop5: metrics.test.top5,
        // Bundles written before validation lack the field.
        valLoss: metrics.val?.loss ?? null,
        valTop1: metrics.val?.top1 ?? null,
        lr: metrics.lr,
        lambda,
        seconds: metrics.seconds,
        imagesPerSec: metrics.imagesPerSec,
        now,
      });
      for (const layer of metrics.layers) {
        this.insertLayer.run({
          runId,
          epoch,
          layer: layer.layer,
          weightStep: layer.weight?.step ?? null,
          weightMeanAbsError: layer.weight?.meanAbsError ?? null,
          weightClipFraction: layer.weight?.clipFraction ?? null,
          weightLevelsUsed: layer.weight?.levelsUsed ?? null,
          inputStep: layer.input?.step ?? null,
          inputMeanAbsError: layer.input?.meanAbsError ?? null,
          inputClipFraction: layer.input?.clipFraction ?? null,
          inputLevelsUsed: layer.input?.levelsUsed ?? null,
          lambda,
        });
      }
      this.advanceRun.run({ runId, epoch, now });
      this.chooseBest(runId);
    });
    forExistingRun('appendEpochMetrics', runId, () => write.immediate());
  }

  /** The run's best epoch, chosen on validation over every recorded epoch (a resume rewrites some). */
  chooseBest(runId: number): void {
    const { best, unavailable } = bestByValidation(this.selectScores.all(runId));
    this.setBest.run({ runId, testTop1: best?.testTop1 ?? null, epoch: best?.epoch ?? null, unavailable });
  }

  /** A batch of step progress points (every logged step, as reported), in one transaction. */
  appendStepMetrics(runId: number, points: readonly (StepPoint | StepProgress)[]): void {
    const write = this.db.transaction(() => {
      for (const p of points) this.insertStep.run({ runId, step: p.step, loss: p.loss, lr: p.lr, lambda: p.lambda, imagesPerSec: p.imagesPerSec });
    });
    forExistingRun('appendStepMetrics', runId, () => write.immediate());
  }

  /** The epoch curves of a few runs, in the order asked, from one snapshot. */
  epochCurves(runIds: readonly number[]): RunCurves[] {
    if (runIds.length > MAX_CURVE_RUNS) throw new Error(`epochCurves: at most ${MAX_CURVE_RUNS} runs per request, got ${runIds.length}`);
    const read = this.db.transaction(() => runIds.map((runId) => this.curveOf(runId)));
    return read.deferred();
  }

  private curveOf(runId: number): RunCurves {
    const curves = Object.fromEntries(CURVE_KEYS.map((k) => [k, [] as number[]])) as unknown as EpochCurves;
    const columns = CURVE_KEYS.map((k) => curves[k]);
    for (const row of this.selectCurve.all(runId) as number[][]) {
      for (let c = 0; c < columns.length; c++) columns[c].push(row[c]);
    }
    return { runId, ...curves };
  }

  /** A run's step metrics thinned to at most `maxPoints` evenly spaced points. */
  stepMetrics(runId: number, maxPoints = 2000): StepPoint[] {
    if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new Error(`stepMetrics: maxPoints must be a positive integer, got ${maxPoints}`);
    const { n } = this.countSteps.get(runId)!;
    return this.selectSteps.all(runId, Math.max(1, Math.ceil(n / maxPoints)));
  }

  /** Per-layer quantizer statistics of a run: one epoch, or every epoch; each epoch's layers in model order. */
  layerStats(runId: number, epoch?: number): LayerStatsRow[] {
    const rows = epoch === undefined ? this.selectLayers.all(runId) : this.selectLayersAt.all(runId, epoch);
    return rows.sort((a, b) => a.epoch - b.epoch || compareLayers(a.layer, b.layer));
  }
}
