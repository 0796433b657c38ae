/**
 * Worker-thread entry that reports the backends: probing loads tfjs backends, and a native one
 * must never be loaded on the app's main thread (the trainer worker owns it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendReport } from '../../shared/api';
import type { BackendChoice } from '../../shared/config';
import { selectBackend } from '../engine/backend';

const { backend } = workerData as { backend: BackendChoice };
selectBackend(backend).then(
  (info) => {
    const report: BackendReport = {
      selected: info.name,
      backends: [...info.skipped, { name: info.name, available: true, reason: 'selected', device: info.device }],
    };
    parentPort!.postMessage({ report });
  },
  (error: unknown) => parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) }),
);
