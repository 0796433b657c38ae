import type { BrowserWindowConstructorOptions } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../server/respond';
import { safeExternalUrl } from './native';

/**
 * The window's lock-down (design.md, Electron security), as plain functions over the few
 * Electron objects they touch, so each setting is checked by a test without launching Electron.
 */

export { CONTENT_SECURITY_POLICY };

/** BrowserWindow options: an isolated, sandboxed renderer with no Node and web security on. */
export function mainWindowOptions(preload: string, devTools: boolean): BrowserWindowConstructorOptions & { webPreferences: object } {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Temper',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools,
    },
  };
}

export type ResponseHeaders = Record<string, string[] | string>;

/** `headers` with our CSP replacing any the response brought (header names are case-insensitive). */
export function withContentSecurityPolicy(headers: ResponseHeaders | undefined): Record<string, string[]> {
  const kept = Object.entries(headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy');
  const result = Object.fromEntries(kept.map(([name, value]) => [name, Array.isArray(value) ? value : [value]]));
  return { ...result, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] };
}

/** The part of Electron's Session the guards set. */
export interface GuardedSession {
  webRequest: {
    onHeadersReceived(
      listener: (details: { responseHeaders?: ResponseHeaders }, callback: (response: { responseHeaders: Record<string, string[]> }) => void) => void,
    ): void;
  };
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
}

/**
 * The CSP as a response header on every load of the session (file:// pages and the dev server:
 * the meta tag alone cannot set every directive), and every permission (camera, notifications
 * from the page, geolocation, ...) denied: the renderer needs none.
 */
export function guardSession(session: GuardedSession): void {
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) }));
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

interface Preventable {
  preventDefault(): void;
}

/** The part of Electron's WebContents the lock-down sets. */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * No navigation away from our page (hash routes do not count: they are same-document), no new
 * windows and no webviews. An https link the page tries to open goes to the user's browser.
 */
export function lockDownContents(contents: GuardedContents, openExternal: (url: string) => Promise<void>): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const safe = safeExternalUrl(url);
    if (safe) void openExternal(safe).catch(() => undefined);
    return { action: 'deny' };
  });
}
