import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseBackend, selectBackend, settleBackendWork, surveyBackends } from '../../../src-main/engine/backend';
import { probeWebGpuAdapter } from '../../../src-main/engine/webgpu';
import { webGpuUnavailable } from './adapter-available';

const unavailable = await webGpuUnavailable();

describe.skipIf(unavailable !== null)(unavailable ?? 'the webgpu backend on Dawn', () => {
  afterAll(() => releaseBackend());

  it('auto trains on WebGPU only on a real GPU, and says why it passed a fallback adapter over', async () => {
    const adapter = await probeWebGpuAdapter();
    const info = await selectBackend('auto');
    if (adapter.fallback) {
      expect(info.name).not.toBe('webgpu');
      expect(info.skipped.find((p) => p.name === 'webgpu')).toEqual({
        name: 'webgpu',
        // Passed over by auto, yet available: choosing webgpu trains on it (Settings offers it).
        available: true,
        reason: 'only a fallback (software) adapter: auto passes it over; choose webgpu to train on it anyway, slower than the CPU backends',
        device: expect.stringContaining(adapter.description),
      });
    } else {
      expect(info).toMatchObject({ name: 'webgpu', adapter });
    }
  });

  it('is chosen by name, even on a fallback adapter, and records the adapter it runs on', async () => {
    const info = await selectBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info).toMatchObject({ name: 'webgpu', requested: 'webgpu', threads: 1, skipped: [] });
    expect(info.adapter).toEqual({ vendor: expect.any(String), architecture: expect.any(String), description: expect.stringMatching(/\S/), fallback: expect.any(Boolean) });
    expect(info.device).toBe(`WebGPU (Dawn): ${[info.adapter!.vendor, info.adapter!.architecture].filter(Boolean).join(' ')}: ${info.adapter!.description}${info.adapter!.fallback ? ' (fallback adapter, software)' : ''}`);
  });

  it('lists every backend for temper doctor, the selected one with its adapter', async () => {
    const { selected, backends } = await surveyBackends('webgpu');
    expect(backends.map((b) => b.name)).toEqual(['tfjs-node-gpu', 'webgpu', 'onednn', 'tfjs-node', 'wasm', 'cpu']);
    expect(backends[1]).toEqual({ name: 'webgpu', available: true, reason: 'selected', device: selected.device });
    expect(backends[5]).toEqual({ name: 'cpu', available: true, reason: 'installed, not loaded', device: null });
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('reads tensors asynchronously, and explains why dataSync cannot', async () => {
    await selectBackend('webgpu');
    const x = tf.square(tf.tensor1d([1, 2, 3]));
    expect(() => x.dataSync()).toThrow('the WebGPU backend cannot read GPU memory synchronously in Node');
    expect(Array.from(await x.data())).toEqual([1, 4, 9]);
    x.dispose();
  });

  it('starts again on a new device after a release', async () => {
    await selectBackend('webgpu');
    await releaseBackend();
    expect(tf.getBackend()).not.toBe('webgpu');
    const info = await selectBackend('webgpu');
    expect(info.name).toBe('webgpu');
    const x = tf.add(tf.tensor1d([1, 2]), 1);
    expect(Array.from(await x.data())).toEqual([2, 3]);
    x.dispose();
  });

  it('settles its GPU work: nothing submitted is left running', async () => {
    await selectBackend('webgpu');
    const y = tf.matMul(tf.randomNormal([128, 128], 0, 1, 'float32', 1), tf.randomNormal([128, 128], 0, 1, 'float32', 2));
    const read = y.data();
    await settleBackendWork();
    expect((await read).length).toBe(128 * 128);
    y.dispose();
  });
});
