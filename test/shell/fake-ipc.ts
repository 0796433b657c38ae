import type { IpcHandlerHost } from '../../src-main/shell/api-handlers';
import type { SenderEvent } from '../../src-main/shell/sender';

type Handler = (event: SenderEvent, ...args: unknown[]) => Promise<unknown>;

/** A stand-in for Electron's ipcMain: keeps the handlers so a test can invoke them as a renderer would. */
export class FakeIpcMain implements IpcHandlerHost {
  readonly handlers = new Map<string, Handler>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  invoke(channel: string, event: SenderEvent, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return handler(event, ...args);
  }
}

export const PAGE = 'file:///app/out/renderer/index.html';
export const ourContents = { id: 1 };
/** A call from our window's top frame. */
export const mainFrameEvent: SenderEvent = { sender: ourContents, senderFrame: { parent: null, url: `${PAGE}#/runs` } };
/** A call from an iframe inside our window. */
export const subframeEvent: SenderEvent = { sender: ourContents, senderFrame: { parent: mainFrameEvent.senderFrame, url: PAGE } };
