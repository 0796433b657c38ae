import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { NATIVE_CHANNELS, type NativeMethod } from './channels';
import type { IpcHandlerHost, SenderCheck } from './api-handlers';
import { UntrustedSenderError } from './sender';
import { echoPath } from '../../shared/echo';

/** An https URL without credentials, as a normalized string; null for anything else. */
export function safeExternalUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' || !parsed.hostname || parsed.username || parsed.password) return null;
  return parsed.href;
}

/**
 * `target` resolved, with symlinks followed, when it exists inside the data folder `home`;
 * otherwise an error that says why. Reveal is for our own exports, never an arbitrary path.
 */
export function pathInsideHome(home: string, target: string): string {
  if (!path.isAbsolute(target)) throw new Error(`revealPath: '${target}' is not an absolute path`);
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    throw new Error(`revealPath: '${target}' does not exist`);
  }
  const realHome = fs.realpathSync(home);
  const relative = path.relative(realHome, real);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`revealPath: '${target}' is outside the data folder ${home}`);
  return real;
}

/** The parts of Electron's dialog and shell the native calls use, and the window a dialog belongs to. */
export interface NativeHost {
  home: string;
  isTrusted: SenderCheck;
  showOpenDialog(options: { title: string; properties: 'openDirectory'[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showItemInFolder(fullPath: string): void;
  openExternal(url: string): Promise<void>;
}

const NATIVE_ARGS = {
  pickFolder: z.tuple([]),
  revealPath: z.tuple([z.string().min(1).max(4096)]),
  openExternal: z.tuple([z.string().min(1).max(2048)]),
} satisfies Record<NativeMethod, z.ZodTuple>;

function parseNativeArgs<M extends NativeMethod>(method: M, args: unknown[]): z.infer<(typeof NATIVE_ARGS)[M]> {
  const result = NATIVE_ARGS[method].safeParse(args);
  if (result.success) return result.data as z.infer<(typeof NATIVE_ARGS)[M]>;
  throw new Error(`${method}: ${result.error.issues.map((i) => `argument ${echoPath(i.path)}: ${i.message}`).join('; ')}`);
}

/** The handlers behind `window.temperNative`, each on its own channel with the same sender check as the API. */
export function registerNativeHandlers(ipc: IpcHandlerHost, host: NativeHost): () => void {
  const handlers: { [M in NativeMethod]: (...args: z.infer<(typeof NATIVE_ARGS)[M]>) => Promise<unknown> } = {
    pickFolder: async () => {
      const picked = await host.showOpenDialog({ title: 'Choose a dataset folder', properties: ['openDirectory'] });
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
    revealPath: async (target) => host.showItemInFolder(pathInsideHome(host.home, target)),
    openExternal: async (url) => {
      const safe = safeExternalUrl(url);
      if (!safe) throw new Error(`openExternal: only https links open outside Temper, got '${url}'`);
      await host.openExternal(safe);
    },
  };
  const methods = Object.keys(NATIVE_CHANNELS) as NativeMethod[];
  for (const method of methods) {
    const channel = NATIVE_CHANNELS[method];
    ipc.handle(channel, async (event, ...args) => {
      if (!host.isTrusted(event)) throw new UntrustedSenderError(channel);
      const run = handlers[method] as (...a: unknown[]) => Promise<unknown>;
      return run(...parseNativeArgs(method, args));
    });
  }
  return () => {
    for (const method of methods) ipc.removeHandler(NATIVE_CHANNELS[method]);
  };
}
