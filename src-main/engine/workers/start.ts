import { Worker } from 'node:worker_threads';
import { WORKER_ENTRIES, type WorkerName } from './entries';

/** True when this module runs from source (tsx, vitest) rather than from the bundle. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The entry file of worker `name`: beside this chunk when bundled, else its source file. */
export function workerEntry(name: WorkerName): URL {
  if (!FROM_SOURCE) return new URL(`./${name}.js`, import.meta.url);
  return new URL(WORKER_ENTRIES[name], new URL('../../../', import.meta.url));
}

/**
 * Starts worker `name` with `workerData`; the one way Temper starts a thread. A bundled `.js`
 * entry starts as it is. A `.ts` entry (running from source) first registers tsx's loader inside
 * the new thread: Node 20 does not apply ESM loader flags such as `--import tsx` given in a
 * Worker's execArgv (nodejs/node#47747), so the entry would fail with "Unknown file extension .ts".
 */
export function startWorker<Init>(name: WorkerName, workerData: Init): Worker {
  return startWorkerFile(workerEntry(name), workerData);
}

/** Starts a thread on any entry file (tests start their own); a `.ts` entry runs through tsx. */
export function startWorkerFile<Init>(entry: URL, workerData: Init): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
