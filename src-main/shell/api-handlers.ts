import { API_CHANNELS, type ApiMethod, type TemperApi, type TemperEvent } from '../../shared/api';
import { parseApiArgs } from '../../shared/api-schemas';
import { type SenderEvent, UntrustedSenderError } from './sender';

/** The part of Electron's ipcMain the handlers use. */
export interface IpcHandlerHost {
  handle(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export type SenderCheck = (event: SenderEvent) => boolean;

/**
 * One ipcMain handler per TemperApi call: refuses other senders, validates the arguments with
 * the shared schemas (a bad payload is a clear error naming the field, and never reaches the
 * backend), then calls the backend. Returns the function that removes the handlers.
 */
export function registerApiHandlers(ipc: IpcHandlerHost, api: TemperApi, isTrusted: SenderCheck): () => void {
  const channels = Object.entries(API_CHANNELS) as [ApiMethod, string][];
  for (const [method, channel] of channels) {
    ipc.handle(channel, async (event, ...args) => {
      if (!isTrusted(event)) throw new UntrustedSenderError(channel);
      const valid = parseApiArgs(method, args) as unknown[];
      return (api[method] as (...a: unknown[]) => Promise<unknown>).apply(api, valid);
    });
  }
  return () => {
    for (const [, channel] of channels) ipc.removeHandler(channel);
  };
}

/** The part of Electron's WebContents events are sent to. */
export interface EventSink {
  send(channel: string, event: TemperEvent): void;
  isDestroyed(): boolean;
}

/** Sends every backend event to the window on `channel` while it exists; returns the unsubscribe. */
export function forwardEvents(
  subscribe: (listener: (event: TemperEvent) => void) => () => void,
  target: () => EventSink | null,
  channel: string,
): () => void {
  return subscribe((event) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(channel, event);
  });
}
