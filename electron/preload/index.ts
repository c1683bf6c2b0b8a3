import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadBridge } from './preload-bridge';

// Only these three functions cross into the page (DESIGN §2.1); ipcRenderer itself never does.
contextBridge.exposeInMainWorld('vigil', createPreloadBridge(ipcRenderer));
