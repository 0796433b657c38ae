import { contextBridge, ipcRenderer } from 'electron';
import { followNavigation, nativeBridge, temperBridge } from './shell/bridge';

// The preload runs in the page (isolated world); tsconfig's libs have no DOM.
declare const location: { hash: string };

// One function per API call; the renderer never sees ipcRenderer itself (design.md, security).
contextBridge.exposeInMainWorld('temper', temperBridge(ipcRenderer));
contextBridge.exposeInMainWorld('temperNative', nativeBridge(ipcRenderer));
followNavigation(ipcRenderer, location);
