import { beforeAll, describe, expect, it, vi } from 'vitest';
import { API_CHANNELS, EVENT_CHANNEL } from '../../shared/api';
import { NATIVE_CHANNELS, NAVIGATE_CHANNEL } from '../../src-main/shell/channels';

// A stand-in for Electron's renderer-side modules: records what the preload exposes and invokes.
const electron = vi.hoisted(() => {
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipcRenderer = {
    invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({ channel, args })),
    on: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
      return ipcRenderer;
    }),
    removeListener: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    }),
    send: vi.fn(),
    sendSync: vi.fn(),
  };
  const exposed = new Map<string, Record<string, unknown>>();
  const contextBridge = { exposeInMainWorld: vi.fn((key: string, value: Record<string, unknown>) => exposed.set(key, value)) };
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: ipcRenderer, ports: [] }, payload);
  };
  return { ipcRenderer, contextBridge, exposed, listeners, emit };
});

vi.mock('electron', () => ({ contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer }));

const location = { hash: '' };
let temper: Record<string, unknown>;
let temperNative: Record<string, unknown>;

beforeAll(async () => {
  vi.stubGlobal('location', location);
  await import('../../src-main/preload');
  temper = electron.exposed.get('temper')!;
  temperNative = electron.exposed.get('temperNative')!;
});

/** Every value reachable from `value` (own properties, a few levels deep). */
function reachable(value: unknown, depth = 3): unknown[] {
  if (depth === 0 || value === null || (typeof value !== 'object' && typeof value !== 'function')) return [value];
  return [value, ...Object.values(value as object).flatMap((v) => reachable(v, depth - 1))];
}

describe('preload', () => {
  it('exposes exactly window.temper and window.temperNative', () => {
    expect([...electron.exposed.keys()].sort()).toEqual(['temper', 'temperNative']);
  });

  it('exposes one function per TemperApi call plus onEvent on window.temper, and nothing else', () => {
    expect(Object.keys(temper).sort()).toEqual([...Object.keys(API_CHANNELS), 'onEvent'].sort());
    for (const value of Object.values(temper)) expect(typeof value).toBe('function');
  });

  it('exposes pickFolder, revealPath and openExternal on window.temperNative, and nothing else', () => {
    expect(Object.keys(temperNative).sort()).toEqual(['openExternal', 'pickFolder', 'revealPath']);
  });

  it('never exposes ipcRenderer or one of its methods', () => {
    const leaked = [electron.ipcRenderer, ...Object.values(electron.ipcRenderer)];
    for (const value of [...reachable(temper), ...reachable(temperNative)]) expect(leaked).not.toContain(value);
  });

  it('sends each API call on its own channel with its arguments', async () => {
    for (const [method, channel] of Object.entries(API_CHANNELS)) {
      const result = await (temper[method] as (...a: unknown[]) => Promise<unknown>)(1, 'two');
      expect(result).toEqual({ channel, args: [1, 'two'] });
    }
  });

  it('sends each native call on its own channel', async () => {
    electron.ipcRenderer.invoke.mockClear();
    await (temperNative.pickFolder as () => Promise<unknown>)();
    await (temperNative.revealPath as (p: string) => Promise<unknown>)('/data/runs/1/export');
    await (temperNative.openExternal as (u: string) => Promise<unknown>)('https://example.org/');
    expect(electron.ipcRenderer.invoke.mock.calls).toEqual([
      [NATIVE_CHANNELS.pickFolder],
      [NATIVE_CHANNELS.revealPath, '/data/runs/1/export'],
      [NATIVE_CHANNELS.openExternal, 'https://example.org/'],
    ]);
  });

  it("rejects with the main process's own message, without Electron's remote-method prefix", async () => {
    electron.ipcRenderer.invoke.mockRejectedValueOnce(
      new Error("Error invoking remote method 'temper:get-run': Error: getRun: argument 0: Invalid input: expected number, received string"),
    );
    await expect((temper.getRun as (id: unknown) => Promise<unknown>)('x')).rejects.toThrow(/^getRun: argument 0: Invalid input/);
    electron.ipcRenderer.invoke.mockRejectedValueOnce(new Error("Error invoking remote method 'temper-native:reveal-path': Error: revealPath: '/etc' is outside the data folder /d"));
    await expect((temperNative.revealPath as (p: string) => Promise<unknown>)('/etc')).rejects.toThrow(/^revealPath: '\/etc' is outside/);
  });

  it('hands onEvent listeners the event payload only, never the IpcRendererEvent with its sender', () => {
    const received: unknown[][] = [];
    const unsubscribe = (temper.onEvent as (l: (...a: unknown[]) => void) => () => unknown)((...args) => received.push(args));
    electron.emit(EVENT_CHANNEL, { type: 'datasets-changed' });
    expect(received).toEqual([[{ type: 'datasets-changed' }]]);
    expect(unsubscribe()).toBeUndefined();
    electron.emit(EVENT_CHANNEL, { type: 'datasets-changed' });
    expect(received).toHaveLength(1);
    expect(electron.listeners.get(EVENT_CHANNEL)?.size ?? 0).toBe(0);
  });

  it('follows the menu to hash routes only', () => {
    electron.emit(NAVIGATE_CHANNEL, '#/compare?ids=1,2');
    expect(location.hash).toBe('#/compare?ids=1,2');
    for (const bad of ['javascript:alert(1)', 'https://example.org/#/runs', '#/x"><script>', 42]) {
      electron.emit(NAVIGATE_CHANNEL, bad);
      expect(location.hash).toBe('#/compare?ids=1,2');
    }
  });
});
