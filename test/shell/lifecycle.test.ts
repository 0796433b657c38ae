import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openApiService } from '../../src-main/services/api-service';
import { closeBeforeQuit } from '../../src-main/shell/lifecycle';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-quit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

class FakeApp extends EventEmitter {
  quit = vi.fn(() => {
    const event = { preventDefault: vi.fn() };
    this.emit('before-quit', event);
    if (!event.preventDefault.mock.calls.length) this.emit('will-quit', event);
    return event;
  });
}

describe('closeBeforeQuit', () => {
  it('holds the quit until the backend has closed, then quits once', async () => {
    const home = path.join(tmp, 'home');
    const backend = await openApiService(home, { shell: 'electron' });
    const app = new FakeApp();
    let closed = false;
    const close = vi.fn(async () => {
      await backend.close();
      closed = true;
    });
    app.quit.mockImplementation(() => {
      expect(closed).toBe(true);
      const event = { preventDefault: vi.fn() };
      app.emit('before-quit', event);
      app.emit('will-quit', event);
      return event;
    });
    closeBeforeQuit(app, close, (error) => {
      throw error;
    });

    const first = { preventDefault: vi.fn() };
    app.emit('before-quit', first);
    expect(first.preventDefault).toHaveBeenCalled();
    const again = { preventDefault: vi.fn() };
    app.emit('will-quit', again);
    expect(again.preventDefault).toHaveBeenCalled();

    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(1));
    expect(close).toHaveBeenCalledTimes(1);
    const passed = app.quit.mock.results[0].value as { preventDefault: ReturnType<typeof vi.fn> };
    expect(passed.preventDefault).not.toHaveBeenCalled();
    await expect(backend.listRuns({})).rejects.toThrow(/not open/);
  });

  it('quits even when closing fails, reporting the error', async () => {
    const app = new FakeApp();
    const onError = vi.fn();
    closeBeforeQuit(app, () => Promise.reject(new Error('disk gone')), onError);
    app.emit('before-quit', { preventDefault: vi.fn() });
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(1));
    expect(onError).toHaveBeenCalledWith(new Error('disk gone'));
  });
});
