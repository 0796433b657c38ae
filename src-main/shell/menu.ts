import type { MenuItemConstructorOptions as MenuItem } from 'electron';

/**
 * The application menu as a plain template (Electron's MenuItemConstructorOptions), so the
 * shortcuts are checked by a test. Views switch by hash route: the renderer's router follows it.
 */

/** CmdOrCtrl+1..5, in the order of the views in design.md. */
export const VIEW_SHORTCUTS = [
  { label: 'Datasets', hash: '#/datasets', accelerator: 'CmdOrCtrl+1' },
  { label: 'Runs', hash: '#/runs', accelerator: 'CmdOrCtrl+2' },
  { label: 'New Run', hash: '#/new', accelerator: 'CmdOrCtrl+3' },
  { label: 'Compare', hash: '#/compare', accelerator: 'CmdOrCtrl+4' },
  { label: 'Settings', hash: '#/settings', accelerator: 'CmdOrCtrl+5' },
] as const;

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Reload and the developer tools only in development. */
  isPackaged: boolean;
  navigate: (hash: string) => void;
}

const separator: MenuItem = { type: 'separator' };

export function applicationMenu({ platform, isPackaged, navigate }: MenuOptions): MenuItem[] {
  const mac = platform === 'darwin';
  const quit: MenuItem[] = mac ? [] : [separator, { role: 'quit', accelerator: 'CmdOrCtrl+Q' }];
  const file: MenuItem = {
    label: 'File',
    submenu: [
      { label: 'New Run…', accelerator: 'CmdOrCtrl+N', click: () => navigate('#/new') },
      ...quit,
    ],
  };
  const development: MenuItem[] = isPackaged ? [] : [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, separator];
  const view: MenuItem = {
    label: 'View',
    submenu: [
      ...VIEW_SHORTCUTS.map(({ label, hash, accelerator }) => ({ label, accelerator, click: () => navigate(hash) })),
      separator,
      ...development,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  };
  const appMenu: MenuItem[] = mac ? [{ role: 'appMenu' }] : [];
  return [...appMenu, file, { role: 'editMenu' }, view, { role: 'windowMenu' }];
}
