import type { TemperEvent } from '../../shared/api';
import type { TemperClient } from './api';
import { throttle } from './throttle';

/** How far a running run is, from its latest run-progress event (epoch 0-based, steps over the whole run). */
export interface LiveProgress {
  epoch: number;
  step: number;
  totalSteps: number;
}

export type ProgressEvent = Extract<TemperEvent, { type: 'run-progress' }>;

/**
 * Follows live events for a view: run-progress events are gathered and handed over at most every
 * `progressMs`; anything that changes stored rows (status, epoch) asks for one refresh at most every
 * `refreshMs`. Returns the unsubscribe function.
 */
export function followRuns(
  client: TemperClient,
  handlers: {
    /** The progress events since the last call, oldest first. */
    onProgress?: (events: ProgressEvent[]) => void;
    onChange?: (event: TemperEvent) => void;
    refresh: () => void;
    /** Only events of runs this returns true for (default: every run). */
    only?: (id: number) => boolean;
  },
  timing = { refreshMs: 500, progressMs: 250 },
): () => void {
  let pending: ProgressEvent[] = [];
  const flushProgress = throttle(() => {
    const events = pending;
    pending = [];
    handlers.onProgress?.(events);
  }, timing.progressMs);
  const refresh = throttle(handlers.refresh, timing.refreshMs);
  const unsubscribe = client.onEvent((event) => {
    if ('id' in event && handlers.only && !handlers.only(event.id)) return;
    if (event.type === 'run-progress') {
      if (handlers.onProgress) {
        pending.push(event);
        flushProgress();
      }
    } else if (event.type === 'run-status' || event.type === 'run-epoch') {
      handlers.onChange?.(event);
      refresh();
    }
  });
  return () => {
    unsubscribe();
    flushProgress.cancel();
    refresh.cancel();
  };
}
