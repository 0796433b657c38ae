import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NATIVE_CHANNELS } from '../../src-main/shell/channels';
import { type NativeHost, pathInsideHome, registerNativeHandlers, safeExternalUrl } from '../../src-main/shell/native';
import { isTrustedSender } from '../../src-main/shell/sender';
import { FakeIpcMain, mainFrameEvent, ourContents, PAGE, subframeEvent } from './fake-ipc';

let tmp: string;
let home: string;
let exportDir: string;

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-native-')));
  home = path.join(tmp, 'home');
  exportDir = path.join(home, 'runs', '1', 'export');
  fs.mkdirSync(exportDir, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'not yours');
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(home, 'leak.txt'));
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('safeExternalUrl', () => {
  it('passes https links, normalized', () => {
    expect(safeExternalUrl('https://arxiv.org/abs/2101.00001')).toBe('https://arxiv.org/abs/2101.00001');
    expect(safeExternalUrl('HTTPS://Example.ORG')).toBe('https://example.org/');
  });

  it('refuses every other scheme, credentials, and non-strings', () => {
    for (const url of ['http://example.org/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.org/', 'https//x', '', 42, null]) {
      expect(safeExternalUrl(url)).toBeNull();
    }
  });
});

describe('pathInsideHome', () => {
  it('resolves a path inside the data folder', () => {
    expect(pathInsideHome(home, exportDir)).toBe(exportDir);
    expect(pathInsideHome(home, path.join(home, 'runs', '..', 'runs', '1'))).toBe(path.join(home, 'runs', '1'));
  });

  it('refuses paths outside it, through .. or a symlink, relative paths and missing files', () => {
    expect(() => pathInsideHome(home, path.join(tmp, 'secret.txt'))).toThrow(/outside the data folder/);
    expect(() => pathInsideHome(home, path.join(home, '..', 'secret.txt'))).toThrow(/outside the data folder/);
    expect(() => pathInsideHome(home, path.join(home, 'leak.txt'))).toThrow(/outside the data folder/);
    expect(() => pathInsideHome(home, 'runs/1')).toThrow(/not an absolute path/);
    expect(() => pathInsideHome(home, path.join(home, 'nope'))).toThrow(/does not exist/);
  });
});

function nativeSetup(picked: { canceled: boolean; filePaths: string[] } = { canceled: false, filePaths: ['/data/cifar'] }) {
  const ipc = new FakeIpcMain();
  const host = {
    home,
    isTrusted: (event) => isTrustedSender(event, ourContents, PAGE),
    showOpenDialog: vi.fn(async () => picked),
    showItemInFolder: vi.fn(),
    openExternal: vi.fn(async () => undefined),
  } satisfies NativeHost;
  registerNativeHandlers(ipc, host);
  return { ipc, host };
}

describe('native handlers', () => {
  it('register one handler per native call, on its channel', () => {
    expect([...nativeSetup().ipc.handlers.keys()].sort()).toEqual(Object.values(NATIVE_CHANNELS).sort());
  });

  it('pickFolder asks for a directory and answers its path, or null when cancelled', async () => {
    const { ipc, host } = nativeSetup();
    expect(await ipc.invoke(NATIVE_CHANNELS.pickFolder, mainFrameEvent)).toBe('/data/cifar');
    expect(host.showOpenDialog).toHaveBeenCalledWith(expect.objectContaining({ properties: ['openDirectory'] }));
    const cancelled = nativeSetup({ canceled: true, filePaths: [] });
    expect(await cancelled.ipc.invoke(NATIVE_CHANNELS.pickFolder, mainFrameEvent)).toBeNull();
  });

  it('revealPath shows files inside the data folder only', async () => {
    const { ipc, host } = nativeSetup();
    await ipc.invoke(NATIVE_CHANNELS.revealPath, mainFrameEvent, exportDir);
    expect(host.showItemInFolder).toHaveBeenCalledWith(exportDir);
    await expect(ipc.invoke(NATIVE_CHANNELS.revealPath, mainFrameEvent, path.join(tmp, 'secret.txt'))).rejects.toThrow(/outside the data folder/);
    await expect(ipc.invoke(NATIVE_CHANNELS.revealPath, mainFrameEvent, { path: exportDir })).rejects.toThrow(/^revealPath: argument 0: /);
    expect(host.showItemInFolder).toHaveBeenCalledTimes(1);
  });

  it('openExternal opens https links only', async () => {
    const { ipc, host } = nativeSetup();
    await ipc.invoke(NATIVE_CHANNELS.openExternal, mainFrameEvent, 'https://example.org/docs');
    await expect(ipc.invoke(NATIVE_CHANNELS.openExternal, mainFrameEvent, 'file:///bin/sh')).rejects.toThrow(/only https links/);
    expect(host.openExternal.mock.calls).toEqual([['https://example.org/docs']]);
  });

  it('refuse calls from another frame', async () => {
    const { ipc, host } = nativeSetup();
    await expect(ipc.invoke(NATIVE_CHANNELS.pickFolder, subframeEvent)).rejects.toThrow(/refused/);
    await expect(ipc.invoke(NATIVE_CHANNELS.revealPath, subframeEvent, exportDir)).rejects.toThrow(/refused/);
    await expect(ipc.invoke(NATIVE_CHANNELS.openExternal, subframeEvent, 'https://example.org/')).rejects.toThrow(/refused/);
    expect(host.showOpenDialog).not.toHaveBeenCalled();
    expect(host.showItemInFolder).not.toHaveBeenCalled();
    expect(host.openExternal).not.toHaveBeenCalled();
  });
});
