/**
 * Worker-thread entry that reports the backends: probing loads tfjs backends, and a native one
 * must never be loaded on the app's main thread (the trainer worker owns it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendReport } from '../../shared/api';
import type { BackendChoice } from '../../shared/config';
import { releaseBackend, surveyBackends } from '../engine/backend';

const { backend } = workerData as { backend: BackendChoice };

async function report(): Promise<BackendReport> {
  const { selected, backends } = await surveyBackends(backend);
  // WebGPU: free the device before the thread ends (Dawn aborts on a thread cut off mid-work).
  await releaseBackend();
  return { selected: selected.name, backends };
}

report().then(
  (result) => parentPort!.postMessage({ report: result }),
  (error: unknown) => parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) }),
);
