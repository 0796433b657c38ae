import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, session, shell } from 'electron';
import { EVENT_CHANNEL } from '../shared/api';
import { openApiService, type ApiService } from './services/api-service';
import { resolveHome } from './services/home';
import { forwardEvents, registerApiHandlers } from './shell/api-handlers';
import { NAVIGATE_CHANNEL } from './shell/channels';
import { closeBeforeQuit } from './shell/lifecycle';
import { applicationMenu } from './shell/menu';
import { registerNativeHandlers } from './shell/native';
import { notifyRunEnds } from './shell/notifications';
import { guardSession, lockDownContents, mainWindowOptions } from './shell/security';
import { isTrustedSender, type SenderEvent } from './shell/sender';

/** The thin Electron shell: one locked-down window; every call is checked in shell/ and answered by the backend. */

const devServer = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const rendererUrl = devServer ?? pathToFileURL(path.join(import.meta.dirname, '../renderer/index.html')).href;
let mainWindow: BrowserWindow | null = null;
/** Set once the backend answers IPC: no window opens before its handlers exist. */
let started = false;

const isTrusted = (event: SenderEvent) => isTrustedSender(event, mainWindow?.webContents, rendererUrl);
const openExternal = (url: string) => shell.openExternal(url);
/** Shown notices, kept referenced until closed: a collected Notification no longer answers its click. */
const notices = new Set<Notification>();

function createWindow(hash = ''): void {
  const window = new BrowserWindow(mainWindowOptions(path.join(import.meta.dirname, '../preload/preload.cjs'), !app.isPackaged));
  mainWindow = window;
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => (mainWindow = null));
  void window.loadURL(`${rendererUrl}${hash}`);
}

/** Brings the window up (opening it again if it was closed), optionally at a hash route. */
function showWindow(hash?: string): void {
  if (!started) return;
  if (!mainWindow) return createWindow(hash);
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
  if (hash) mainWindow.webContents.send(NAVIGATE_CHANNEL, hash);
}

function wireApi(backend: ApiService): void {
  closeBeforeQuit(app, () => backend.close(), (error) => console.error('temper: closing the backend failed:', error));
  registerApiHandlers(ipcMain, backend, isTrusted);
  registerNativeHandlers(ipcMain, {
    home: backend.home,
    isTrusted,
    showOpenDialog: (options) => (mainWindow ? dialog.showOpenDialog(mainWindow, options) : dialog.showOpenDialog(options)),
    showItemInFolder: (fullPath) => shell.showItemInFolder(fullPath),
    openExternal,
  });
  const subscribe = backend.onEvent.bind(backend);
  forwardEvents(subscribe, () => mainWindow?.webContents ?? null, EVENT_CHANNEL);
  notifyRunEnds(
    subscribe,
    async (id) => (await backend.getRun(id)).run,
    ({ runId, title, body }) => {
      if (!Notification.isSupported()) return;
      const notice = new Notification({ title, body });
      notices.add(notice);
      notice.on('click', () => showWindow(`#/runs/${runId}`));
      notice.on('close', () => notices.delete(notice));
      notice.show();
    },
  );
}

async function start(): Promise<void> {
  await app.whenReady();
  guardSession(session.defaultSession);
  let backend: ApiService;
  try {
    backend = await openApiService(resolveHome(), { shell: 'electron' });
  } catch (error) {
    dialog.showErrorBox('Temper could not open its data folder', error instanceof Error ? error.message : String(error));
    app.exit(1);
    return;
  }
  wireApi(backend);
  const menu = applicationMenu({ platform: process.platform, isPackaged: app.isPackaged, navigate: (hash) => showWindow(hash) });
  Menu.setApplicationMenu(Menu.buildFromTemplate(menu));
  started = true;
  createWindow();
  app.on('activate', () => showWindow());
}

app.enableSandbox();
app.on('web-contents-created', (_event, contents) => lockDownContents(contents, openExternal));
app.on('window-all-closed', () => {
  // On macOS the app (and any training run) lives on without a window, as Mac apps do.
  if (process.platform !== 'darwin') app.quit();
});

// One app at a time: a second launch focuses the first window instead of opening the store again.
if (app.requestSingleInstanceLock()) {
  app.on('second-instance', () => showWindow());
  void start();
} else {
  app.quit();
}
