import { acquireQueueLock, releaseQueueLock } from '../services/queue-lock';
import { RunService } from '../services/runs';
import type { Command } from './command';

/** How long the queue must stay empty before the runner exits. */
const IDLE_EXIT_MS = 3000;

export const runnerCommand: Command = {
  summary: 'train queued runs in the background until the queue is empty (started by --detach)',
  usage: 'temper runner [--home <dir>]',
  options: {},
  async run({ home }) {
    if (!acquireQueueLock(home)) {
      console.log('another process already drains this data folder\'s queue');
      return;
    }
    const service = new RunService(home);
    const stop = () => void service.close().finally(() => releaseQueueLock(home));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      service.serveQueue();
      let idleSince = Date.now();
      while (Date.now() - idleSince < IDLE_EXIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const queued = service.history.listRuns({ filter: 'status = queued', limit: 1 }).total;
        if (service.busy || queued > 0) idleSince = Date.now();
      }
    } finally {
      await service.close();
      releaseQueueLock(home);
    }
  },
};
