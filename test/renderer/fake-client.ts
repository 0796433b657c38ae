import { vi } from 'vitest';
import type { TemperEvent } from '../../shared/api';
import type { RunRecord } from '../../shared/records';
import type { TemperClient } from '../../src-renderer/lib/api';

/**
 * A TemperClient for component tests: the methods a test gives are vi.fn mocks, any other call
 * rejects with a message naming it, and `emit` pushes a live event to the subscribed views.
 */
export type FakeClient = TemperClient & { emit(event: TemperEvent): void; listenerCount(): number };

export function fakeClient(methods: Partial<TemperClient>): FakeClient {
  const listeners = new Set<(event: TemperEvent) => void>();
  const base = {
    onEvent: (listener: (event: TemperEvent) => void) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    emit: (event: TemperEvent) => listeners.forEach((l) => l(event)),
    listenerCount: () => listeners.size,
  };
  const mocks = Object.fromEntries(Object.entries(methods).map(([k, f]) => [k, vi.fn(f as (...a: unknown[]) => unknown)]));
  return new Proxy({ ...base, ...mocks } as unknown as FakeClient, {
    get(target, key: string) {
      if (key in target) return target[key as keyof FakeClient];
      if (key === 'then') return undefined;
      return () => Promise.reject(new Error(`fake client: ${key} was not expected in this test`));
    },
  });
}

/** A run record with plausible defaults. */
export function runRecord(patch: Partial<RunRecord> & { id: number }): RunRecord {
  return {
    name: null,
    config: {} as RunRecord['config'],
    model: 'cnn-small',
    dataset: 'demo',
    quantizer: 'fp',
    bits: null,
    seed: 0,
    status: 'completed',
    parentId: null,
    groupId: null,
    createdAt: 1_700_000_000_000 + patch.id * 1000,
    startedAt: 1_700_000_000_000 + patch.id * 1000,
    finishedAt: 1_700_000_060_000 + patch.id * 1000,
    heartbeatAt: null,
    backend: 'wasm',
    device: null,
    appVersion: '0.1.0',
    gitCommit: null,
    datasetHash: null,
    bestTop1: 0.9,
    bestEpoch: 1,
    bestUnavailable: null,
    finalTop1: 0.89,
    deltaVsParent: null,
    error: null,
    epochsDone: 1,
    epochsTotal: 1,
    ...patch,
  };
}

/** chart.js needs a 2D canvas, which jsdom lacks: charts then draw nothing, quietly. */
export function stubCanvas(): void {
  HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
}
