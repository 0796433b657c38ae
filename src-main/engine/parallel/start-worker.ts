import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on `entry`. A bundled `.js` entry starts as it is. A `.ts` entry (running
 * from source under tsx or vitest) first registers tsx's loader inside the new thread: Node 20
 * does not apply ESM loader flags such as `--import tsx` given in a Worker's execArgv
 * (nodejs/node#47747), so the entry would fail with "Unknown file extension .ts".
 */
export function startWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
