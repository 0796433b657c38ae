/**
 * TemperApi: every call the renderer can make. Electron IPC, the web transport and tests
 * implement or consume exactly this interface (design.md). It grows with each feature.
 */
export interface AppInfo {
  version: string;
  /** The data folder this app instance uses. */
  home: string;
  platform: string;
}

export interface TemperApi {
  appInfo(): Promise<AppInfo>;
}

/** IPC channel of each call, so the main process and the preload cannot drift apart. */
export const API_CHANNELS = {
  appInfo: 'temper:app-info',
} as const satisfies Record<keyof TemperApi, string>;
