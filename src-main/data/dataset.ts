/** What every dataset reader produces, before it is validated and written to the cache. */

export const DATASET_FORMATS = ['idx', 'cifar10', 'cifar100', 'image-folder'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Images as uint8 pixels in HWC order, one after another; labels index `classes`. */
export interface RawSplit {
  images: Uint8Array;
  labels: Uint8Array;
}

export interface DecodedDataset {
  format: DatasetFormat;
  /** Height, width, channels (1 = grayscale, 3 = RGB). */
  shape: [number, number, number];
  classes: string[];
  /** `train` is required; `val` and `test` when the source has them. */
  splits: Partial<Record<SplitName, RawSplit>> & { train: RawSplit };
  /** Every file that was read, for the content hash. */
  sourceFiles: string[];
  /** Files left out (image folders with unreadable files), and why. */
  skipped: { file: string; reason: string }[];
  /** Facts the manifest states about how the images were made (resize mode, label set...). */
  notes: Record<string, string | number | boolean>;
}

/** Import progress: files (or images) done out of total, and what is being read. */
export type ProgressFn = (done: number, total: number, what: string) => void;

/** A problem with one input file: the message always starts with the file. */
export class DatasetError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DatasetError';
  }
}
