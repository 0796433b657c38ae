/**
 * Which epoch is a run's "best": the one with the best validation top-1, reported with that epoch's
 * test top-1 (docs/method.md). The test split never chooses: a run without validation metrics has
 * no best, only its final accuracy, and says why.
 */

/** Why a run has no best epoch when its dataset has no val split. */
export const NO_VALIDATION_SPLIT = 'no validation split';

/** What the choice reads of one epoch. */
export interface EpochScores {
  epoch: number;
  /** null: the epoch was not measured on a val split. */
  valTop1: number | null;
  testTop1: number;
}

export interface BestEpoch {
  epoch: number;
  valTop1: number;
  /** The test top-1 of that epoch: what "best top-1" reports. */
  testTop1: number;
}

/** The best epoch, or null with the reason (null reason too while no epoch is recorded). */
export interface BestChoice {
  best: BestEpoch | null;
  unavailable: string | null;
}

/** The epoch with the highest validation top-1 (the earliest on a tie); never chosen on test. */
export function bestByValidation(epochs: readonly EpochScores[]): BestChoice {
  if (epochs.length === 0) return { best: null, unavailable: null };
  const missing = epochs.filter((e) => e.valTop1 === null).map((e) => e.epoch);
  if (missing.length === epochs.length) return { best: null, unavailable: NO_VALIDATION_SPLIT };
  if (missing.length > 0) return { best: null, unavailable: `no validation metrics for epoch${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
  let best: BestEpoch | null = null;
  for (const e of epochs) {
    if (best === null || e.valTop1! > best.valTop1) best = { epoch: e.epoch, valTop1: e.valTop1!, testTop1: e.testTop1 };
  }
  return { best, unavailable: null };
}
