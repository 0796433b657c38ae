import type { BackendReport } from '../../shared/api';
import type { BackendChoice } from '../../shared/config';
import { startWorker } from '../engine/parallel/start-worker';

const ENTRY = import.meta.url.endsWith('.ts') ? new URL('./doctor-worker.ts', import.meta.url) : new URL('./doctor-worker.js', import.meta.url);

/** What `backend` resolves to and why the others are unavailable, probed in a throwaway worker thread. */
export function probeBackendsInWorker(backend: BackendChoice): Promise<BackendReport> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(ENTRY, { backend });
    worker.once('message', (message: { report?: BackendReport; error?: string }) => {
      // The worker released its backend before it answered, so ending it now is safe.
      void worker.terminate();
      if (message.report) resolve(message.report);
      else reject(new Error(message.error));
    });
    worker.once('error', reject);
  });
}
