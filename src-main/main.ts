import path from 'node:path';
import { app, BrowserWindow, ipcMain, type IpcMainInvokeEvent, session } from 'electron';
import { API_CHANNELS, type AppInfo } from '../shared/api';
import { APP_VERSION } from '../shared/version';
import { resolveHome } from './services/home';

/** The thin Electron shell: one window, locked down, and IPC handlers that only translate to services. */

let mainWindow: BrowserWindow | null = null;

/** Only our own window's top frame may call the API. */
function fromMainFrame(event: IpcMainInvokeEvent): boolean {
  return mainWindow !== null && event.senderFrame === mainWindow.webContents.mainFrame;
}

function handle<T>(channel: string, run: () => Promise<T> | T): void {
  ipcMain.handle(channel, async (event) => {
    if (!fromMainFrame(event)) throw new Error(`${channel}: refused a call from another frame`);
    return run();
  });
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Temper',
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  mainWindow.webContents.on('will-navigate', (event) => event.preventDefault());
  mainWindow.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const devServer = process.env.ELECTRON_RENDERER_URL;
  if (!app.isPackaged && devServer) void mainWindow.loadURL(devServer);
  else void mainWindow.loadFile(path.join(import.meta.dirname, '../renderer/index.html'));
  mainWindow.on('closed', () => (mainWindow = null));
}

const home = resolveHome();

handle(API_CHANNELS.appInfo, (): AppInfo => ({ version: APP_VERSION, home, platform: process.platform }));

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, grant) => grant(false));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
