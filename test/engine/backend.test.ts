import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backendVersions, explainBackendFailure, selectBackend, surveyBackends } from '../../src-main/engine/backend';
import { BACKEND_ROWS } from '../../shared/backends';
import { ONEDNN_BUILT } from '../helpers/onednn';

const installed = async (pkg: string) =>
  import(pkg).then(
    () => true,
    () => false,
  );

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('selectBackend', () => {
  it('activates an explicit choice and says what it is', async () => {
    const info = await selectBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info).toMatchObject({ name: 'cpu', requested: 'cpu', threads: 1, adapter: null, skipped: [] });
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

  it('tries WebGPU second in auto, and says why it passed it over', async () => {
    const info = await selectBackend('auto');
    if (info.name === 'webgpu' || (await installed('@tensorflow/tfjs-node-gpu'))) return;
    expect(info.skipped[1].name).toBe('webgpu');
    // A fallback adapter is passed over by auto but still available by name; no adapter is not.
    const fallback = info.skipped[1].reason.startsWith('only a fallback (software) adapter');
    expect(fallback || info.skipped[1].reason.startsWith('no WebGPU adapter found')).toBe(true);
    expect(info.skipped[1].available).toBe(fallback);
  });

  it('fails with every reason when an explicit choice cannot load', async () => {
    if (await installed('@tensorflow/tfjs-node-gpu')) return;
    await expect(selectBackend('tensorflow')).rejects.toThrow(
      "Backend 'tensorflow' is not available (tfjs-node-gpu: not installed (@tensorflow/tfjs-node-gpu); tfjs-node: not installed (@tensorflow/tfjs-node))",
    );
  });

  it('explains a missing WebGPU adapter with what Dawn needs on this platform', async () => {
    // Asking Dawn for an adapter that does not exist: the same path as a machine without a driver.
    vi.stubEnv('TEMPER_DAWN_OPTIONS', 'adapter=no-such-gpu');
    await expect(selectBackend('webgpu')).rejects.toThrow(/^Backend 'webgpu' is not available \(webgpu: no WebGPU adapter found \(Dawn: .+\): Dawn needs /);
  });

  it('rejects an unknown backend name', async () => {
    await expect(selectBackend('metal' as 'cpu')).rejects.toThrow("Unknown backend 'metal': expected one of auto, tensorflow, webgpu, onednn, wasm, cpu");
  });
});

describe('surveyBackends', () => {
  it('lists every backend in auto order: the selected one, those passed over and why, the rest probed', async () => {
    const { selected, backends } = await surveyBackends('cpu');
    expect(backends.map((b) => b.name)).toEqual(['tfjs-node-gpu', 'webgpu', 'onednn', 'tfjs-node', 'wasm', 'cpu']);
    expect(backends[5]).toEqual({ name: 'cpu', available: true, reason: 'selected', device: selected.device });
    expect(backends[4]).toEqual({ name: 'wasm', available: true, reason: 'installed, not loaded', device: null });
    expect(backends[2].available).toBe(ONEDNN_BUILT);
    if (ONEDNN_BUILT) expect(backends[2].device).toMatch(/oneDNN \d+\.\d+/);
    for (const b of backends) expect(typeof b.available === 'boolean' && b.reason.length > 0).toBe(true);
    expect(tf.getBackend()).toBe('cpu');
    // Settings and the settings API check a choice against these rows by name.
    expect(Object.values(BACKEND_ROWS).flat().sort()).toEqual(backends.map((b) => b.name).sort());
  });

  it('reports the versions that decide what loads', () => {
    expect(backendVersions()).toMatchObject({ node: process.versions.node, napi: String(process.versions.napi), tfjs: '4.22.0', webgpu: expect.any(String) });
  });
});

describe('explainBackendFailure', () => {
  it('turns a wasm abort into an out-of-memory message that says what to change', async () => {
    await selectBackend('wasm');
    const explained = explainBackendFailure(new Error('Aborted(). Build with -sASSERTIONS for more info.'), 'training resnet20 at batch 320') as Error;
    expect(explained.message).toBe(
      'The WebAssembly backend ran out of memory (4 GiB per worker thread) training resnet20 at batch 320: use a smaller batch size or micro-batch (microBatch), or more workers to split the batch',
    );
  });

  it('passes other errors through unchanged', async () => {
    await selectBackend('wasm');
    const original = new Error('Error in conv2d: depth of input (3) must match input depth for filter 1');
    expect(explainBackendFailure(original, 'training')).toBe(original);
  });
});
