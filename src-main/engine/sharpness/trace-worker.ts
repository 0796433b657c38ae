/**
 * Worker-thread entry of one Hutchinson helper: rebuilds the job's full-precision twin, subset and
 * Hessian-vector product on its own wasm backend, then answers sample requests (hutchinsonSample)
 * until it is terminated. Started by parallelTraceSampler.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend';
import { buildModel } from '../models';
import { Rng } from '../../../shared/rng';
import { hutchinsonSample } from './hutchinson';
import { centralDifferenceHvp, exactHvp } from './hvp';
import { crossEntropyObjective } from './objective';
import { subsetTensors } from './subset';
import type { FromTraceHelper, ToTraceHelper, TraceHelperInit } from './trace-helpers';

if (!parentPort) throw new Error('engine/sharpness/trace-worker.ts is a worker-thread entry; start it with parallelTraceSampler');
const port = parentPort;
const init = workerData as TraceHelperInit;
const post = (message: FromTraceHelper) => port.postMessage(message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

try {
  await selectBackend('wasm');
  const twin = buildModel(init.spec, () => 0);
  const variables = new Map(twin.store.allVariables().map(({ name, variable }) => [name, variable]));
  for (const { name, shape, values } of init.tensors) {
    const variable = variables.get(name);
    if (!variable || !tf.util.arraysEqual(variable.shape, shape)) throw new Error(`the twin rebuilt here has no tensor '${name}' [${shape}]`);
    tf.tidy(() => variable.assign(tf.tensor(values, shape, variable.dtype)));
  }
  const objective = crossEntropyObjective(twin, await subsetTensors(init.subset, init.batchSize));
  const hvp = init.hvp === 'exact' ? exactHvp(objective) : centralDifferenceHvp(objective, init.relativeStep);
  const shapes = objective.params.map((p) => p.shape);
  const rng = Rng.fromState(init.rngState);
  port.on('message', ({ k }: ToTraceHelper) => {
    try {
      post({ type: 'sample', k, value: hutchinsonSample(hvp, shapes, rng, k) });
    } catch (error) {
      post({ type: 'failed', message: messageOf(error) });
    }
  });
} catch (error) {
  post({ type: 'failed', message: messageOf(error) });
}
