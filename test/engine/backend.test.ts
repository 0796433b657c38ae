import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { explainBackendFailure, selectBackend } from '../../src-main/engine/backend';

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

describe('explainBackendFailure', () => {
  it('turns a wasm abort into an out-of-memory message that says what to change', async () => {
    await selectBackend('wasm');
    const explained = explainBackendFailure(new Error('Aborted(). Build with -sASSERTIONS for more info.'), 'training resnet20 at batch 320') as Error;
    expect(explained.message).toBe(
      'The WebAssembly backend ran out of memory (4 GiB per worker thread) training resnet20 at batch 320: use a smaller batch size, or more workers to split the batch',
    );
  });

  it('passes other errors through unchanged', async () => {
    await selectBackend('wasm');
    const original = new Error('Error in conv2d: depth of input (3) must match input depth for filter 1');
    expect(explainBackendFailure(original, 'training')).toBe(original);
  });
});
