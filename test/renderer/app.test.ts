import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from '../../src-renderer/App.svelte';
import { fakeClient } from './fake-client';

describe('App shell', () => {
  afterEach(() => cleanup());

  it('routes by the hash, marks the current view in the sidebar, and shows the settings', async () => {
    location.hash = '#/datasets';
    const client = fakeClient({
      appInfo: async () => ({ version: '0.1.0', home: '/home/u/.temper', platform: 'linux', shell: 'web' }),
      listDatasets: async () => [],
      getSettings: async () => ({ backend: 'auto', cpuWorkers: 2, threadsPerRun: 4 }),
      doctor: async () => ({ selected: 'wasm', backends: [{ name: 'wasm', available: true, reason: null, device: '16 threads' }] }),
    });
    render(App, { props: { client } });
    expect(await screen.findByRole('heading', { name: 'Datasets' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Datasets' }).getAttribute('aria-current')).toBe('page');

    location.hash = '#/settings';
    expect(await screen.findByRole('heading', { name: 'Settings' })).toBeTruthy();
    await waitFor(() => expect((screen.getByLabelText('CPU workers') as HTMLInputElement).value).toBe('2'));
    expect((screen.getByLabelText('Runs, datasets and exports live in') as HTMLInputElement).value).toBe('/home/u/.temper');
    expect(await screen.findByRole('option', { name: 'auto (picks wasm)' })).toBeTruthy();
    expect(screen.getByText('v0.1.0 · web')).toBeTruthy();
  });

  it('says so when the API cannot be reached', async () => {
    location.hash = '#/nowhere';
    render(App, { props: { client: fakeClient({ appInfo: async () => Promise.reject(new Error('unauthorized: open the URL temper serve printed')) }) } });
    expect((await screen.findByRole('alert')).textContent).toBe('Cannot reach Temper: unauthorized: open the URL temper serve printed');
    expect(screen.getByRole('heading', { name: 'Not found' })).toBeTruthy();
  });

  it('switches views with the keyboard in the browser: Ctrl/Cmd or Alt + 1…5, and N for a new run', async () => {
    location.hash = '#/datasets';
    const client = fakeClient({
      appInfo: async () => ({ version: '0.1.0', home: '/h', platform: 'linux', shell: 'web' }),
      listDatasets: async () => [],
      listRuns: async () => ({ rows: [], total: 0 }),
    });
    render(App, { props: { client } });
    expect(await screen.findByText('v0.1.0 · web')).toBeTruthy();
    await fireEvent.keyDown(window, { key: '2', ctrlKey: true });
    await waitFor(() => expect(location.hash).toBe('#/runs'));
    await fireEvent.keyDown(window, { key: 'n', altKey: true });
    await waitFor(() => expect(location.hash).toBe('#/new'));
    await fireEvent.keyDown(window, { key: '1', metaKey: true });
    await waitFor(() => expect(location.hash).toBe('#/datasets'));
    // Ctrl+Alt is AltGr on many keyboards: typing, not a shortcut.
    await fireEvent.keyDown(window, { key: '2', ctrlKey: true, altKey: true });
    expect(location.hash).toBe('#/datasets');
  });
});

describe('Settings', () => {
  const FALLBACK = 'only a fallback (software) adapter: auto passes it over; choose webgpu to train on it anyway, slower than the CPU backends';
  afterEach(() => cleanup());

  it('will not save a backend that does not load here, and says why', async () => {
    location.hash = '#/settings';
    const client = fakeClient({
      appInfo: async () => ({ version: '0.1.0', home: '/h', platform: 'linux', shell: 'web' }),
      getSettings: async () => ({ backend: 'tensorflow', cpuWorkers: 1, threadsPerRun: 2 }),
      updateSettings: async (patch) => ({ backend: 'auto', cpuWorkers: 1, threadsPerRun: 2, ...patch }),
      doctor: async () => ({
        selected: 'wasm',
        backends: [
          { name: 'tfjs-node-gpu', available: false, reason: 'not installed (@tensorflow/tfjs-node-gpu)', device: null },
          { name: 'webgpu', available: true, reason: FALLBACK, device: 'WebGPU (Dawn): llvmpipe (fallback adapter, software)' },
          { name: 'tfjs-node', available: false, reason: 'not installed (@tensorflow/tfjs-node)', device: null },
          { name: 'wasm', available: true, reason: 'selected', device: '2 threads' },
        ],
      }),
    });
    render(App, { props: { client } });
    const alert = await screen.findByText(
      'tensorflow is not available on this machine: tfjs-node-gpu: not installed (@tensorflow/tfjs-node-gpu); tfjs-node: not installed (@tensorflow/tfjs-node). Choose auto or an available backend.',
    );
    const option = (name: string) => screen.getByRole('option', { name: new RegExp(`^${name}`) }) as HTMLOptionElement;
    expect([option('tensorflow').disabled, option('tensorflow').textContent?.trim()]).toEqual([true, 'tensorflow (unavailable)']);
    // WebGPU on a software adapter: auto passes it over, choosing it trains on it; the option and its row agree.
    expect(option('webgpu').disabled).toBe(false);
    expect(screen.getByRole('row', { name: /^webgpu/ }).textContent).toContain('yes');
    expect(screen.getByRole('row', { name: /^webgpu/ }).textContent).toContain(FALLBACK);
    expect(alert.getAttribute('role')).toBe('alert');
    await fireEvent.input(screen.getByLabelText('CPU workers'), { target: { value: '2' } });
    expect((screen.getByRole('button', { name: 'Save settings' }) as HTMLButtonElement).disabled).toBe(true);
    expect(client.updateSettings).not.toHaveBeenCalled();
  });
});
