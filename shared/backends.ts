import type { BackendReport } from './api';
import type { BackendChoice } from './config';

/**
 * The rows of `temper doctor` (engine/backend.ts candidates) each backend choice trains on: the
 * Settings form and the settings API check a choice against the same rows.
 */
export const BACKEND_ROWS: Record<Exclude<BackendChoice, 'auto'>, readonly string[]> = {
  tensorflow: ['tfjs-node-gpu', 'tfjs-node'],
  webgpu: ['webgpu'],
  onednn: ['onednn'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

/**
 * Why `choice` cannot train on this machine, from the doctor's report ("tfjs-node-gpu: not
 * installed (...); tfjs-node: ..."), or null where one of its rows is available (auto always is).
 */
export function backendUnavailable(choice: BackendChoice, report: BackendReport): string | null {
  if (choice === 'auto') return null;
  const rows = report.backends.filter((b) => BACKEND_ROWS[choice].includes(b.name));
  if (rows.length === 0) return `the backend check does not list ${BACKEND_ROWS[choice].join(' or ')}`;
  if (rows.some((b) => b.available)) return null;
  return rows.length === 1 ? (rows[0].reason ?? 'it did not load') : rows.map((b) => `${b.name}: ${b.reason ?? 'it did not load'}`).join('; ');
}
