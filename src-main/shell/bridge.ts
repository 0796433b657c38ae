import { API_CHANNELS, EVENT_CHANNEL, type TemperEvent } from '../../shared/api';
import { NATIVE_CHANNELS, NAVIGATE_CHANNEL, type TemperBridge, type TemperNative } from './channels';

/**
 * The preload's side of IPC, kept apart from `electron` so it can be tested in plain Node. Each
 * exposed function calls one channel and returns plain values: ipcRenderer itself, and the
 * IpcRendererEvent whose `sender` is ipcRenderer, never reach the page.
 */

type Relay = (event: unknown, ...args: unknown[]) => void;

/** The part of Electron's ipcRenderer the bridges use. */
export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: Relay): unknown;
  removeListener(channel: string, listener: Relay): unknown;
}

/** Electron prefixes a handler's error with this; the page gets the message alone, as from the web transport. */
const REMOTE_ERROR_PREFIX = /^Error invoking remote method '[^']*': (?:\w*Error: )?/;

/** Calls `channel`; a refusal arrives as an Error with the main process's own message. */
async function call(ipc: RendererIpc, channel: string, args: unknown[]): Promise<unknown> {
  try {
    return await ipc.invoke(channel, ...args);
  } catch (error) {
    throw new Error(String((error as Error)?.message ?? error).replace(REMOTE_ERROR_PREFIX, ''));
  }
}

/** `window.temper`: built from API_CHANNELS, one function per call, plus onEvent. */
export function temperBridge(ipc: RendererIpc): TemperBridge {
  const calls = Object.fromEntries(Object.entries(API_CHANNELS).map(([method, channel]) => [method, (...args: unknown[]) => call(ipc, channel, args)]));
  const onEvent = (listener: (event: TemperEvent) => void) => {
    const relay: Relay = (_event, payload) => listener(payload as TemperEvent);
    ipc.on(EVENT_CHANNEL, relay);
    return () => {
      ipc.removeListener(EVENT_CHANNEL, relay);
    };
  };
  return { ...calls, onEvent } as TemperBridge;
}

/** `window.temperNative`: folder picker, reveal in the file manager, open an https link. */
export function nativeBridge(ipc: RendererIpc): TemperNative {
  return {
    pickFolder: () => call(ipc, NATIVE_CHANNELS.pickFolder, []) as Promise<string | null>,
    revealPath: async (path: string) => {
      await call(ipc, NATIVE_CHANNELS.revealPath, [path]);
    },
    openExternal: async (url: string) => {
      await call(ipc, NATIVE_CHANNELS.openExternal, [url]);
    },
  };
}

/** A hash route of the renderer's router: `#/`, `#/runs`, `#/runs/12`, `#/compare?ids=1,2`. */
export const HASH_ROUTE = /^#\/[\w\-/?=&,.%]*$/;

/** Follows the menu's navigation messages by setting `location.hash` (a same-document navigation). */
export function followNavigation(ipc: RendererIpc, location: { hash: string }): void {
  ipc.on(NAVIGATE_CHANNEL, (_event, hash) => {
    if (typeof hash === 'string' && HASH_ROUTE.test(hash)) location.hash = hash;
  });
}
