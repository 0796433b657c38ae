import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  guardSession,
  type GuardedSession,
  lockDownContents,
  mainWindowOptions,
  withContentSecurityPolicy,
} from '../../src-main/shell/security';

describe('main window options', () => {
  const { webPreferences } = mainWindowOptions('/app/out/preload/preload.cjs', false);

  it('isolate and sandbox the renderer, without Node and with web security on', () => {
    expect(webPreferences).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('leave the developer tools to development builds', () => {
    expect(webPreferences.devTools).toBe(false);
    expect(mainWindowOptions('/p', true).webPreferences.devTools).toBe(true);
  });
});

describe('content security policy header', () => {
  it('allows only our own scripts and no plugins', () => {
    const directives = CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim());
    expect(directives).toContain("script-src 'self'");
    expect(directives).toContain("object-src 'none'");
    expect(directives).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*/);
  });

  it('replaces any policy the response brought, whatever the case of its name, and keeps other headers', () => {
    const headers = withContentSecurityPolicy({ 'content-security-policy': ['script-src *'], 'Content-Type': 'text/html' });
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(withContentSecurityPolicy(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});

function fakeSession() {
  const set: {
    headers?: Parameters<GuardedSession['webRequest']['onHeadersReceived']>[0];
    request?: Parameters<GuardedSession['setPermissionRequestHandler']>[0];
    check?: Parameters<GuardedSession['setPermissionCheckHandler']>[0];
  } = {};
  const session: GuardedSession = {
    webRequest: { onHeadersReceived: (listener) => (set.headers = listener) },
    setPermissionRequestHandler: (handler) => (set.request = handler),
    setPermissionCheckHandler: (handler) => (set.check = handler),
  };
  return { session, set };
}

describe('session guards', () => {
  it('add the CSP header to every response (file:// pages and the dev server alike)', () => {
    const { session, set } = fakeSession();
    guardSession(session);
    for (const url of ['file:///app/out/renderer/index.html', 'http://localhost:5173/']) {
      const callback = vi.fn();
      set.headers!({ url, responseHeaders: { 'Content-Type': ['text/html'] } } as never, callback);
      expect(callback).toHaveBeenCalledWith({ responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    }
  });

  it('deny every permission request and check', () => {
    const { session, set } = fakeSession();
    guardSession(session);
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      const callback = vi.fn();
      set.request!({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(set.check!({}, permission)).toBe(false);
    }
  });
});

class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
    this.openHandler = handler;
  }
}

describe('web contents lock-down', () => {
  it('prevents every navigation away from the page and every webview', () => {
    const contents = new FakeContents();
    lockDownContents(contents, vi.fn());
    for (const event of ['will-navigate', 'will-attach-webview']) {
      const preventDefault = vi.fn();
      contents.emit(event, { preventDefault }, 'https://example.org/');
      expect(preventDefault).toHaveBeenCalled();
    }
  });

  it('denies every new window, and sends only https links to the browser', async () => {
    const contents = new FakeContents();
    const openExternal = vi.fn(async () => undefined);
    lockDownContents(contents, openExternal);
    for (const url of ['https://example.org/paper', 'http://example.org/', 'file:///etc/passwd', 'javascript:alert(1)', 'about:blank']) {
      expect(contents.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(openExternal.mock.calls).toEqual([['https://example.org/paper']]);
  });
});
