import { z } from 'zod';
import { echo } from './echo';

/**
 * Names and ids that reach a path or a row: one definition for the IPC handlers, the web API, the
 * CLI and the services, so every entry refuses the same bad value before anything is written.
 */

/** A dataset name is also a folder name under `<home>/datasets/`: no separators, no leading dot. */
export const DATASET_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
export const DATASET_NAME_RULE = "expected 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

/** The longest run name (a label in tables and exports). */
export const RUN_NAME_MAX = 200;

export const datasetNameSchema = z.string().regex(DATASET_NAME_PATTERN, DATASET_NAME_RULE);
export const runNameSchema = z.string().min(1).max(RUN_NAME_MAX);

export function checkDatasetName(name: string): string {
  if (typeof name !== 'string' || !DATASET_NAME_PATTERN.test(name)) {
    throw new Error(`invalid dataset name '${echo(name)}': ${DATASET_NAME_RULE}`);
  }
  return name;
}

export function checkRunName(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > RUN_NAME_MAX) {
    throw new Error(`invalid run name: expected 1 to ${RUN_NAME_MAX} characters, got ${typeof name === 'string' ? name.length : typeof name}`);
  }
  return name;
}

/** A run id typed by a user: a positive decimal integer ('0x1', '1e0' and ' 1' are not ids). */
export function parseRunId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}
