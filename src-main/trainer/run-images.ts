import type { TrainConfig } from '../../shared/config';
import type { SharpnessSource } from '../../shared/records';
import type { ImageSet } from '../data/batches';
import { datasetDir, loadSplit, readManifest } from '../data/cache';
import { complementIndices, type FixedSubset, fixedSubset, takeIndices } from '../data/subset';

/**
 * The images a run trains and is tested on, and those its sharpness is measured on: the fixed
 * subsets of data/subset.ts, the same for every run of a dataset and limit whatever its seed.
 */

export interface RunImages {
  train: FixedSubset;
  test: FixedSubset;
  /** The val split's limitVal subset, which picks the best epoch; null when the dataset has no val split. */
  val: FixedSubset | null;
}

export function runImages(home: string, dataset: string, config: TrainConfig): RunImages {
  const { contentHash, splits } = readManifest(datasetDir(home, dataset));
  return {
    train: fixedSubset(loadSplit(home, dataset, 'train'), config.limitTrain, 'train', contentHash),
    test: fixedSubset(loadSplit(home, dataset, 'test'), config.limitTest, 'test', contentHash),
    val: splits.val ? fixedSubset(loadSplit(home, dataset, 'val'), config.limitVal, 'val', contentHash) : null,
  };
}

/**
 * The pool a sharpness subset is drawn from. 'train': the exact images the run trained on (its
 * training subset). 'heldout': train-split images outside that subset, or the val split when the
 * run trained on the whole train split.
 */
export function sharpnessPool(home: string, dataset: string, config: TrainConfig, kind: SharpnessSource['kind']): { set: ImageSet; source: SharpnessSource } {
  const dir = datasetDir(home, dataset);
  const manifest = readManifest(dir);
  const split = loadSplit(home, dataset, 'train');
  const trained = fixedSubset(split, config.limitTrain, 'train', manifest.contentHash);
  const { images, hash } = trained.identity;
  if (kind === 'train') return { set: trained.set, source: { kind, pool: images, description: `the run's own training images (its training subset: ${images} images, ${hash})` } };
  const outside = complementIndices(split.labels.length, trained.indices);
  if (outside.length > 0) {
    return { set: takeIndices(split, outside), source: { kind, pool: outside.length, description: `held-out train-split images the run never trained on (${outside.length} images outside its training subset)` } };
  }
  if (!manifest.splits.val) throw new Error(`the run trained on every image of dataset '${dataset}' and the dataset has no val split: there are no held-out images to measure on; use source 'train'`);
  const val = loadSplit(home, dataset, 'val');
  return { set: val, source: { kind, pool: val.labels.length, description: `held-out images of the val split (${val.labels.length} images; the run trained on the whole train split)` } };
}
