import type { BackendReport } from '../../shared/api';
import type { BackendChoice } from '../../shared/config';
import { startWorker } from '../engine/workers/start';

/** What `backend` resolves to and why the others are unavailable, probed in a throwaway worker thread. */
export function probeBackendsInWorker(backend: BackendChoice): Promise<BackendReport> {
  return new Promise((resolve, reject) => {
    const worker = startWorker('doctor-worker', { backend });
    worker.once('message', (message: { report?: BackendReport; error?: string }) => {
      // The worker released its backend before it answered, so ending it now is safe.
      void worker.terminate();
      if (message.report) resolve(message.report);
      else reject(new Error(message.error));
    });
    worker.once('error', reject);
  });
}
