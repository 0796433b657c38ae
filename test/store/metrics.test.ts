import { describe, expect, it } from 'vitest';
import { epochMetrics, newRun, storePerTest } from './fixtures';

const t = storePerTest();

describe('metrics', () => {
  it('gives each epoch\'s layer statistics in model order: the first layer, the blocks in order, the classifier', () => {
    const id = t.store.insertRun(newRun());
    const base = epochMetrics(1, 0.5, 1).layers[0];
    const names = ['classifier', 'stage1/block10/a', 'stage1/block2/a', 'stem', 'stage1/block1/b', 'stage1/block1/a'];
    for (const epoch of [2, 1]) t.store.appendEpochMetrics(id, { ...epochMetrics(epoch), layers: names.map((layer) => ({ ...base, layer })) });
    const order = ['stem', 'stage1/block1/a', 'stage1/block1/b', 'stage1/block2/a', 'stage1/block10/a', 'classifier'];
    expect(t.store.layerStats(id).map((r) => `${r.epoch} ${r.layer}`)).toEqual([...order.map((l) => `1 ${l}`), ...order.map((l) => `2 ${l}`)]);
    expect(t.store.layerStats(id, 2).map((r) => r.layer)).toEqual(order);
  });

  it('returns the epoch curves of several runs as parallel arrays, in the order asked', () => {
    const a = t.store.insertRun(newRun());
    const b = t.store.insertRun(newRun());
    const empty = t.store.insertRun(newRun());
    for (let e = 1; e <= 3; e++) t.store.appendEpochMetrics(a, epochMetrics(e));
    for (let e = 1; e <= 5; e++) t.store.appendEpochMetrics(b, epochMetrics(e, 0.5));
    const curves = t.store.epochCurves([b, empty, a]);
    expect(curves.map((c) => c.runId)).toEqual([b, empty, a]);
    expect(curves[0].epoch).toEqual([1, 2, 3, 4, 5]);
    expect(curves[0].testTop1).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(curves[1].epoch).toEqual([]);
    expect(curves[2]).toMatchObject({ epoch: [1, 2, 3], step: [10, 20, 30], trainLoss: [1, 1 / 2, 1 / 3], testTop1: [0.01, 0.02, 0.03], lambda: [1, 1 / 2, 1 / 3] });
    expect(() => t.store.epochCurves(Array.from({ length: 201 }, (_, i) => i))).toThrow('epochCurves: at most 200 runs per request, got 201');
  });

  it('replaces an epoch written again (a resumed run) and chooses the best over the epochs as rewritten', () => {
    const id = t.store.insertRun(newRun());
    t.store.appendEpochMetrics(id, epochMetrics(1, 0.7, 0, 0.6));
    t.store.appendEpochMetrics(id, epochMetrics(2, 0.6, 0, 0.8));
    expect(t.store.getRun(id)).toMatchObject({ bestTop1: 0.6, bestEpoch: 2 });
    t.store.appendEpochMetrics(id, epochMetrics(2, 0.65, 0, 0.5));
    expect(t.store.epochCurves([id])[0].testTop1).toEqual([0.7, 0.65]);
    expect(t.store.getRun(id)).toMatchObject({ epochsDone: 2, bestTop1: 0.7, bestEpoch: 1 });
  });

  it('stores validation loss and top-1 per epoch; the best is the best-validation epoch with its test top-1, never the best test one', () => {
    const id = t.store.insertRun(newRun());
    // Test top-1 peaks at epoch 1, validation top-1 at epoch 2.
    [[0.9, 0.6], [0.7, 0.8], [0.8, 0.7]].forEach(([test, val], i) => t.store.appendEpochMetrics(id, epochMetrics(i + 1, test, 0, val)));
    const curves = t.store.epochCurves([id])[0];
    expect(curves.valTop1).toEqual([0.6, 0.8, 0.7]);
    expect(curves.valLoss).toEqual([2.5, 1.25, 2.5 / 3]);
    t.store.finishRun(id, { status: 'completed', finalTop1: 0.8 });
    expect(t.store.getRun(id)).toMatchObject({ bestTop1: 0.7, bestEpoch: 2, bestUnavailable: null, finalTop1: 0.8 });
  });

  it('chooses the best again when the run ends, over the epochs recorded by then', () => {
    const id = t.store.insertRun(newRun());
    t.store.appendEpochMetrics(id, epochMetrics(1, 0.7, 0, 0.6));
    t.store.appendEpochMetrics(id, epochMetrics(2, 0.6, 0, 0.8));
    // As a kill after epoch 2's checkpoint whose row was lost leaves it.
    t.store.db.prepare('DELETE FROM epoch_metrics WHERE run_id = ? AND epoch = 2').run(id);
    t.store.finishRun(id, { status: 'completed', finalTop1: 0.6 });
    expect(t.store.getRun(id)).toMatchObject({ bestTop1: 0.7, bestEpoch: 1 });
  });

  it('gives a run without validation metrics no best, with the reason, and keeps its final', () => {
    const id = t.store.insertRun(newRun());
    t.store.appendEpochMetrics(id, epochMetrics(1, 0.9, 0, null));
    t.store.appendEpochMetrics(id, epochMetrics(2, 0.7, 0, null));
    t.store.finishRun(id, { status: 'completed', finalTop1: 0.7 });
    expect(t.store.epochCurves([id])[0].valTop1).toEqual([null, null]);
    expect(t.store.getRun(id)).toMatchObject({ bestTop1: null, bestEpoch: null, bestUnavailable: 'no validation split', finalTop1: 0.7 });
  });

  it('stores per-layer quantizer statistics with the epoch, nulls for an unquantized input', () => {
    const id = t.store.insertRun(newRun());
    t.store.appendEpochMetrics(id, epochMetrics(1, 0.5, 2));
    t.store.appendEpochMetrics(id, epochMetrics(2, 0.5, 2));
    expect(t.store.layerStats(id)).toHaveLength(4);
    expect(t.store.layerStats(id, 2)).toEqual([
      { epoch: 2, layer: 'conv0', weightStep: 0.01, weightMeanAbsError: 0.25, weightClipFraction: 0.01, weightLevelsUsed: null, inputStep: null, inputMeanAbsError: null, inputClipFraction: null, inputLevelsUsed: null, lambda: 0.5 },
      { epoch: 2, layer: 'conv1', weightStep: 0.02, weightMeanAbsError: 0.25, weightClipFraction: 0.01, weightLevelsUsed: null, inputStep: 0.02, inputMeanAbsError: 0.24, inputClipFraction: 0.02, inputLevelsUsed: null, lambda: 0.5 },
    ]);
  });

  it('writes an epoch and its layers all or nothing', () => {
    const id = t.store.insertRun(newRun());
    const bad = epochMetrics(1, 0.5, 2);
    bad.layers[1].layer = bad.layers[0].layer;
    bad.layers.push({ ...bad.layers[0], layer: null as unknown as string });
    expect(() => t.store.appendEpochMetrics(id, bad)).toThrow();
    expect(t.store.epochCurves([id])[0].epoch).toEqual([]);
    expect(t.store.layerStats(id)).toEqual([]);
    expect(() => t.store.appendEpochMetrics(999, epochMetrics(1))).toThrow('appendEpochMetrics: run 999 does not exist');
  });

  it('appends step metrics in batches and thins them on read', () => {
    const id = t.store.insertRun(newRun());
    const points = (from: number) => Array.from({ length: 500 }, (_, i) => ({ step: from + i, loss: 1, lr: 0.1, lambda: 0.5, imagesPerSec: 100 }));
    t.store.appendStepMetrics(id, points(0));
    t.store.appendStepMetrics(id, points(500));
    expect(t.store.stepMetrics(id)).toHaveLength(1000);
    const thin = t.store.stepMetrics(id, 100);
    expect(thin).toHaveLength(100);
    expect(thin.slice(0, 3).map((p) => p.step)).toEqual([0, 10, 20]);
    expect(thin[0]).toEqual({ step: 0, loss: 1, lr: 0.1, lambda: 0.5, imagesPerSec: 100 });
    expect(() => t.store.appendStepMetrics(999, points(0))).toThrow('appendStepMetrics: run 999 does not exist');
  });
});
