import { describe, expect, it } from 'vitest';
import { estimateRun } from '../../src-main/services/estimate';
import { dataset, epochMetrics, newRun, storePerTest } from '../store/fixtures';

/** A completed run on `name` whose one epoch trained at `imagesPerSec`. */
function completed(t: ReturnType<typeof storePerTest>, quantizer: 'fp' | 'nt', name: string, imagesPerSec: number): void {
  const id = t.store.insertRun(newRun({ quant: { quantizer } }, { dataset: name }));
  t.store.markRunning(id, { backend: 'wasm', device: 'cpu' });
  t.store.appendEpochMetrics(id, { ...epochMetrics(1), imagesPerSec });
  t.store.finishRun(id, { status: 'completed', finalTop1: 0.9});
}

describe('estimateRun', () => {
  const t = storePerTest();
  // fmnist: 10 train and 2 test images; 3 epochs = 3 × (10 + 2/3) images of work.
  const request = (quantizer: 'fp' | 'nt') => ({ dataset: 'fmnist', config: { model: 'cnn-small' as const, quant: { quantizer }, epochs: 3 } });
  const work = 3 * (10 + 2 / 3);

  it('uses the throughput this machine measured for the same model, quantizer and input size', () => {
    completed(t, 'nt', 'fmnist', 100);
    completed(t, 'nt', 'fmnist', 300);
    const estimate = estimateRun(t.store, request('nt'));
    expect(estimate).toMatchObject({ imagesPerSec: 200, range: null, basis: '2 completed nt runs of cnn-small on 28×28×1 images on this machine' });
    expect(estimate.seconds).toBeCloseTo(work / 200, 9);
  });

  it('ignores runs on images of another size, and gives a range from other quantizers', () => {
    t.store.upsertDataset({ ...dataset('big'), shape: [32, 32, 3] });
    completed(t, 'nt', 'big', 5);
    completed(t, 'fp', 'fmnist', 300);
    const estimate = estimateRun(t.store, request('nt'));
    expect(estimate.basis).toMatch(/1 completed run of cnn-small on 28×28×1 images on this machine with other quantizers; none with nt yet/);
    expect(estimate.range![0]).toBeCloseTo(work / (300 * 1.5), 9);
    expect(estimate.range![1]).toBeCloseTo(work / (300 / 1.5), 9);
  });

  it('without any run of the model here, gives the README benchmark as a range', () => {
    const estimate = estimateRun(t.store, request('fp'));
    expect(estimate.basis).toMatch(/no completed cnn-small run on 28×28×1 images here yet/);
    expect(estimate.range![1] / estimate.range![0]).toBeCloseTo(4, 9);
  });
});
