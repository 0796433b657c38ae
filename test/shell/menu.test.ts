import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { applicationMenu } from '../../src-main/shell/menu';

/** Every item of the menu, submenus flattened. */
function items(menu: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return menu.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

describe('application menu', () => {
  it('switches views with CmdOrCtrl+1..5 and opens the New run form with CmdOrCtrl+N', () => {
    const navigate = vi.fn();
    const menu = items(applicationMenu({ platform: 'linux', isPackaged: true, navigate }));
    const byKey = (key: string) => menu.find((item) => item.accelerator === key);
    const expected = { 'CmdOrCtrl+1': '#/datasets', 'CmdOrCtrl+2': '#/runs', 'CmdOrCtrl+3': '#/new', 'CmdOrCtrl+4': '#/compare', 'CmdOrCtrl+5': '#/settings', 'CmdOrCtrl+N': '#/new' };
    for (const [key, hash] of Object.entries(expected)) {
      navigate.mockClear();
      (byKey(key)!.click as () => void)();
      expect(navigate).toHaveBeenCalledWith(hash);
    }
  });

  it('offers reload and the developer tools only when not packaged', () => {
    const roles = (isPackaged: boolean) => items(applicationMenu({ platform: 'linux', isPackaged, navigate: vi.fn() })).map((item) => item.role);
    expect(roles(false)).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']));
    for (const role of ['reload', 'forceReload', 'toggleDevTools']) expect(roles(true)).not.toContain(role);
  });

  it('has quit in the File menu on Windows and Linux, and in the app menu on macOS', () => {
    const linux = applicationMenu({ platform: 'linux', isPackaged: true, navigate: vi.fn() });
    expect(items(linux).find((item) => item.role === 'quit')?.accelerator).toBe('CmdOrCtrl+Q');
    const mac = applicationMenu({ platform: 'darwin', isPackaged: true, navigate: vi.fn() });
    expect(mac[0].role).toBe('appMenu');
    expect(items(mac).some((item) => item.role === 'quit')).toBe(false);
  });

  it('keeps the edit menu, so copy and paste work in text fields on macOS', () => {
    expect(applicationMenu({ platform: 'darwin', isPackaged: true, navigate: vi.fn() }).map((item) => item.role)).toContain('editMenu');
  });
});
