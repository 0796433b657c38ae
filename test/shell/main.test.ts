import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, session } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_CHANNELS, EVENT_CHANNEL } from '../../shared/api';
import { NATIVE_CHANNELS } from '../../src-main/shell/channels';
import { CONTENT_SECURITY_POLICY } from '../../src-main/shell/security';
import { writeIdxFolder } from '../helpers/idx-folder';

// Electron itself cannot start here: main.ts runs against stand-ins for the Electron objects it touches.
vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class FakeContents extends EventEmitter {
    mainFrame = { parent: null, url: '' };
    send = vi.fn();
    isDestroyed = () => false;
    setWindowOpenHandler = vi.fn();
  }
  class FakeWindow extends EventEmitter {
    static instances: FakeWindow[] = [];
    webContents = new FakeContents();
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      FakeWindow.instances.push(this);
    }
    loadURL = vi.fn(async (url: string) => {
      this.webContents.mainFrame.url = url;
    });
    show = vi.fn();
    focus = vi.fn();
    isMinimized = () => false;
    restore = vi.fn();
  }
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const fakeApp = Object.assign(new EventEmitter(), {
    isPackaged: false,
    whenReady: async () => undefined,
    enableSandbox: vi.fn(),
    requestSingleInstanceLock: () => true,
    quit: vi.fn(),
    exit: vi.fn(),
  });
  return {
    app: fakeApp,
    BrowserWindow: FakeWindow,
    ipcMain: { handlers, handle: (channel: string, listener: never) => handlers.set(channel, listener), removeHandler: (channel: string) => handlers.delete(channel) },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: vi.fn() },
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
      },
    },
    Menu: { buildFromTemplate: (template: unknown) => template, setApplicationMenu: vi.fn() },
    Notification: class {
      static isSupported = () => false;
    },
    dialog: { showOpenDialog: vi.fn(), showErrorBox: vi.fn() },
    shell: { openExternal: vi.fn(), showItemInFolder: vi.fn() },
  };
});

type FakeWindow = BrowserWindow & {
  options: { webPreferences: Record<string, unknown> };
  webContents: { mainFrame: { parent: null; url: string }; send: ReturnType<typeof vi.fn> };
  loadURL: ReturnType<typeof vi.fn>;
};
const handlers = (ipcMain as unknown as { handlers: Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>> }).handlers;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-main-'));
const home = path.join(tmp, 'home');
let window: FakeWindow;

beforeAll(async () => {
  vi.stubEnv('TEMPER_HOME', home);
  await import('../../src-main/main');
  await vi.waitFor(() => expect((BrowserWindow as unknown as { instances: FakeWindow[] }).instances).toHaveLength(1));
  window = (BrowserWindow as unknown as { instances: FakeWindow[] }).instances[0];
});

afterAll(() => {
  vi.unstubAllEnvs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const fromWindow = () => ({ sender: window.webContents, senderFrame: window.webContents.mainFrame });

describe('main process', () => {
  it('opens one sandboxed, isolated window on the bundled renderer page', () => {
    expect(app.enableSandbox).toHaveBeenCalled();
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(window.options.webPreferences.preload)).toMatch(/preload[/\\]preload\.cjs$/);
    expect(window.loadURL.mock.calls[0][0]).toMatch(/^file:\/\/.*\/renderer\/index\.html$/);
  });

  it('guards the session and sets the menu', () => {
    const guarded = session.defaultSession as unknown as Record<string, ReturnType<typeof vi.fn>> & { webRequest: { onHeadersReceived: ReturnType<typeof vi.fn> } };
    const callback = vi.fn();
    guarded.webRequest.onHeadersReceived.mock.calls[0][0]({ responseHeaders: {} }, callback);
    expect(callback).toHaveBeenCalledWith({ responseHeaders: { 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    expect(guarded.setPermissionRequestHandler).toHaveBeenCalled();
    expect(guarded.setPermissionCheckHandler).toHaveBeenCalled();
    expect(Menu.setApplicationMenu).toHaveBeenCalled();
  });

  it('answers every API and native channel for its own window only, from the backend on TEMPER_HOME', async () => {
    expect([...handlers.keys()].sort()).toEqual([...Object.values(API_CHANNELS), ...Object.values(NATIVE_CHANNELS)].sort());
    expect(await handlers.get(API_CHANNELS.appInfo)!(fromWindow())).toMatchObject({ shell: 'electron', home });
    const subframe = { sender: window.webContents, senderFrame: { parent: window.webContents.mainFrame, url: window.webContents.mainFrame.url } };
    await expect(handlers.get(API_CHANNELS.appInfo)!(subframe)).rejects.toThrow(/refused/);
  });

  it("forwards the backend's events to the window", async () => {
    const digits = path.join(tmp, 'digits');
    writeIdxFolder(digits, { train: 30, test: 10, classes: 3 });
    await handlers.get(API_CHANNELS.importDataset)!(fromWindow(), { source: digits, name: 'digits' });
    expect(window.webContents.send).toHaveBeenCalledWith(EVENT_CHANNEL, { type: 'datasets-changed' });
  });

  it('closes the backend before the app quits', async () => {
    const event = { preventDefault: vi.fn() };
    app.emit('before-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled());
    await expect(handlers.get(API_CHANNELS.listRuns)!(fromWindow(), {})).rejects.toThrow(/not open/);
  });
});
