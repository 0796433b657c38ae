/**
 * Worker-thread entry of one data-parallel replica: selects its own wasm backend (a backend is
 * per thread), runs the replica and reports its end. Started by trainParallel.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend';
import { DivergenceError } from '../train';
import { abortBarrier, BarrierAbortedError } from './barrier';
import type { CollectiveBuffers } from './collective';
import type { ReplicaInit, ReplicaMessage, StartMessage } from './job';
import { runReplica } from './replica';

if (!parentPort) throw new Error('engine/parallel/replica-worker.ts is a worker-thread entry; start it with trainParallel');
const port = parentPort;
const init = workerData as ReplicaInit;
const post = (message: ReplicaMessage) => port.postMessage(message);
let shared: CollectiveBuffers | undefined;

const join = (capacity: number) =>
  new Promise<CollectiveBuffers>((resolve) => {
    port.once('message', (message: StartMessage) => {
      shared = message.collective;
      resolve(message.collective);
    });
    post({ type: 'ready', capacity });
  });

try {
  await selectBackend('wasm');
  const status = await runReplica(init, { post, join });
  post({ type: 'done', status });
} catch (error) {
  const err = error instanceof Error ? error : new Error(String(error));
  post({ type: 'failed', message: err.message, stack: err.stack, aborted: err instanceof BarrierAbortedError, divergence: err instanceof DivergenceError });
  // Wake the other replicas now rather than when the coordinator hears of it.
  if (shared) abortBarrier(shared.barrier);
}
