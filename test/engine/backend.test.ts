import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../src-main/engine/backend';

const installed = async (pkg: string) =>
  import(pkg).then(
    () => true,
    () => false,
  );

afterEach(() => {
  vi.restoreAllMocks();
});

describe('selectBackend', () => {
  it('activates an explicit choice and says what it is', async () => {
    const info = await selectBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info).toMatchObject({ name: 'cpu', requested: 'cpu', threads: 1, skipped: [] });
    expect(info.device).toContain('plain JavaScript');
  });

  it('auto falls through missing optional backends to one that loads, quietly', async () => {
    const printed = [vi.spyOn(console, 'error'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'log')];
    const info = await selectBackend('auto');
    expect(tf.getBackend()).toBe(info.name);
    if (!(await installed('@tensorflow/tfjs-node-gpu'))) {
      expect(info.skipped[0]).toEqual({ name: 'tfjs-node-gpu', available: false, reason: 'not installed (@tensorflow/tfjs-node-gpu)', device: null });
    }
    if (info.name === 'wasm') expect(info.device).toMatch(/WebAssembly/);
    for (const spy of printed) expect(spy).not.toHaveBeenCalled();
  });

  it('fails with every reason when an explicit choice cannot load', async () => {
    if (await installed('@tensorflow/tfjs-node-gpu')) return;
    await expect(selectBackend('tensorflow')).rejects.toThrow(
      "Backend 'tensorflow' is not available (tfjs-node-gpu: not installed (@tensorflow/tfjs-node-gpu); tfjs-node: not installed (@tensorflow/tfjs-node))",
    );
  });

  it('rejects an unknown backend name', async () => {
    await expect(selectBackend('metal' as 'cpu')).rejects.toThrow("Unknown backend 'metal': expected one of auto, tensorflow, webgpu, wasm, cpu");
  });
});
