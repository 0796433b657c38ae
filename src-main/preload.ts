import { contextBridge, ipcRenderer } from 'electron';
import { API_CHANNELS, type TemperApi } from '../shared/api';

// One function per API call; the renderer never sees ipcRenderer itself.
const api: TemperApi = {
  appInfo: () => ipcRenderer.invoke(API_CHANNELS.appInfo),
};

contextBridge.exposeInMainWorld('temper', api);
