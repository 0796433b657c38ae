import type { TemperApi, TemperEvent } from '../../shared/api';

/**
 * What the preload exposes and the IPC channels beside API_CHANNELS. The main process and the
 * preload both import this file, so the two sides cannot drift apart.
 */

/** `window.temper`: one function per TemperApi call, plus the live events. */
export interface TemperBridge extends TemperApi {
  /** Calls `listener` with every live event until the returned function is called. */
  onEvent(listener: (event: TemperEvent) => void): () => void;
}

/** `window.temperNative`: the few native touches only the desktop app offers. */
export interface TemperNative {
  /** The system folder picker (dataset import); null when the user cancels. */
  pickFolder(): Promise<string | null>;
  /** Shows a file or folder inside the data folder in the system file manager (exports). */
  revealPath(path: string): Promise<void>;
  /** Opens an https link in the user's browser. */
  openExternal(url: string): Promise<void>;
}

export type NativeMethod = keyof TemperNative;

export const NATIVE_CHANNELS = {
  pickFolder: 'temper-native:pick-folder',
  revealPath: 'temper-native:reveal-path',
  openExternal: 'temper-native:open-external',
} as const satisfies Record<NativeMethod, string>;

/** Main → renderer: a hash route (`#/runs`) to show, sent by the application menu. */
export const NAVIGATE_CHANNEL = 'temper:navigate';
