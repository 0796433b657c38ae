/**
 * A child process for concurrency.test.ts: opens the store in `home` (maybe racing another
 * process to create it) and writes `runs` runs with `epochs` epochs each, one transaction per call.
 * Usage: node --import tsx concurrent-writer.ts <home> <label> <runs> <epochs>
 */
import { openStore } from '../../src-main/store/store';
import { dataset, epochMetrics, newRun } from './fixtures';

const [home, label, runs, epochs] = process.argv.slice(2);
const store = openStore(home);
store.upsertDataset(dataset('fmnist'));
for (let r = 0; r < Number(runs); r++) {
  const id = store.insertRun(newRun({ seed: r }, { name: `${label}-${r}` }));
  store.markRunning(id, { backend: 'cpu', device: label });
  for (let e = 1; e <= Number(epochs); e++) {
    store.appendEpochMetrics(id, epochMetrics(e, 0.5, 2));
    store.appendStepMetrics(id, [{ step: e, loss: 1, lr: 0.1, lambda: 1, imagesPerSec: 1 }]);
  }
  store.addTag(id, label);
  store.finishRun(id, { status: 'completed', finalTop1: 0.5});
}
store.close();
