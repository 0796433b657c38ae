import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TemperEvent } from '../../shared/api';

export type Subscribe = (listener: (event: TemperEvent) => void) => () => void;

/** Keeps proxies and SSH tunnels from dropping an idle stream, and finds dead clients. */
export const HEARTBEAT_MS = 15_000;
/** A client this far behind has stopped reading; it is dropped (EventSource reconnects) rather than buffered without end. */
const MAX_BUFFERED_BYTES = 4 << 20;

/**
 * GET /api/events: every TemperEvent as a server-sent event `data: <json>`, with a comment line
 * as heartbeat. Resolves when the stream closes, after unsubscribing.
 */
export function streamEvents(req: IncomingMessage, res: ServerResponse, subscribe: Subscribe, heartbeatMs = HEARTBEAT_MS): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  // Sends the headers now, so EventSource reports open before the first event.
  res.write(': temper events\n\n');
  const send = (text: string) => {
    if (res.destroyed) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    else res.write(text);
  };
  const unsubscribe = subscribe((event) => send(`data: ${JSON.stringify(event)}\n\n`));
  const heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatMs);
  return new Promise((resolve) => {
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      resolve();
    });
  });
}
