/**
 * Which test images a run was evaluated on, and what Compare, Δ vs parent and studies say when runs
 * put side by side were not tested on the same images (their top-1 do not compare).
 */

/** A fixed subset of one split: how many images, and a short hash of which (src-main/data/subset.ts). */
export interface SubsetIdentity {
  images: number;
  hash: string;
}

/** The words every front end uses for runs whose test images differ. */
export const DIFFERENT_TEST_SETS = 'tested on different test sets';

/** How a run's test set relates to its parent's: null without a parent. */
export type ParentTestSet = 'same' | 'different' | 'unknown' | null;

/** "1000 images (3fa2c9e1b0d4a5c6)", or "unknown" for a run stored before Temper recorded it. */
export function testSetText(set: SubsetIdentity | null): string {
  return set == null ? 'unknown' : `${set.images} images (${set.hash})`;
}

interface TestedRun {
  id: number;
  status: string;
  testSet: SubsetIdentity | null;
}

/**
 * One line when the runs were not all tested on the same images, else null: "tested on different
 * test sets: run 3 on 1000 images (…); runs 4, 5 on 10000 images (…)", or, where some runs'
 * test sets are unknown (trained before Temper recorded them), a line saying so. Queued runs have
 * no results yet and are left out.
 */
export function testSetNote(runs: TestedRun[]): string | null {
  const tested = runs.filter((r) => r.status !== 'queued');
  const known = tested.filter((r) => r.testSet != null);
  const unknown = tested.filter((r) => r.testSet == null);
  const groups = new Map<string, { set: SubsetIdentity; ids: number[] }>();
  for (const r of known) {
    const group = groups.get(r.testSet!.hash) ?? { set: r.testSet!, ids: [] };
    group.ids.push(r.id);
    groups.set(r.testSet!.hash, group);
  }
  const runsText = (ids: number[]) => `${ids.length === 1 ? 'run' : 'runs'} ${ids.join(', ')}`;
  const parts: string[] = [];
  if (groups.size > 1) {
    parts.push(`${DIFFERENT_TEST_SETS}: ${[...groups.values()].map((g) => `${runsText(g.ids)} on ${testSetText(g.set)}`).join('; ')}; their top-1 do not compare`);
  }
  if (unknown.length > 0 && tested.length > 1) {
    parts.push(`test set unknown for ${runsText(unknown.map((r) => r.id))} (trained before Temper recorded test sets): they may have been ${DIFFERENT_TEST_SETS}`);
  }
  return parts.length ? parts.join('. ') : null;
}

/** Why a run shows no Δ vs parent although both have a final top-1; null when the test sets match (or there is no parent). */
export function parentTestSetNote(parentTestSet: ParentTestSet): string | null {
  if (parentTestSet === 'different') return DIFFERENT_TEST_SETS;
  if (parentTestSet === 'unknown') return 'test set unknown';
  return null;
}
