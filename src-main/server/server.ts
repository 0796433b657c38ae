import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TemperApi } from '../../shared/api';
import { answerApiCall } from './api-call';
import { type Subscribe, streamEvents } from './events';
import { EXPORT_ZIP_PATH, sendExportZip } from './export-download';
import { foreignRequest, hostHeaderProblem } from './guard';
import { oneLine, sendJson, sendText, setSecurityHeaders } from './respond';
import { INDEX_FILE, isIndexPath, sendStatic } from './static-files';
import { hasToken, newToken, sameToken, tokenCookie } from './token';

/** What the web server serves: the TemperApi plus the live events (the backend, in `temper serve`). */
export type ServedApi = TemperApi & { onEvent: Subscribe };

export interface WebServerOptions {
  /** The built renderer: a folder with index.html (electron-vite builds it to out/renderer). */
  rendererDir: string;
  /** 0, the default, picks a free port. */
  port?: number;
  /** A fresh random one by default. */
  token?: string;
  heartbeatMs?: number;
}

export interface WebServer {
  port: number;
  token: string;
  /** The address to open: `http://127.0.0.1:<port>/?token=<token>`. */
  url: string;
  /** Ends the event streams and stops listening; the backend stays open. */
  close(): Promise<void>;
}

/** Only the loopback interface: the token is the only lock, so the server is never reachable from the network. */
const HOST = '127.0.0.1';

/**
 * Serves the renderer and the TemperApi over HTTP (web mode, design.md). The protocol the web
 * renderer speaks:
 * - every request: Host 127.0.0.1:<port> or localhost:<port>, no foreign Origin, not cross-site
 *   (403), and the token (401);
 * - GET /?token=T: index.html, and sets the HttpOnly cookie that authorizes the page's later requests;
 *   other GETs: files of the renderer build (cookie or ?token=);
 * - POST /api/<method>, `Authorization: Bearer T` or the cookie, JSON `{"args": [...]}`:
 *   200 `{"value": ...}`, or `{"error": "..."}` with 400, 403 (refused in web mode: web-rules.ts), 404, 405, 413, 415 or 422;
 * - GET /api/events (cookie or ?token=): each TemperEvent as server-sent `data: <json>`;
 * - GET /api/export.zip?run=<id>&format=temper|onnx (cookie or ?token=): the run's export as a zip download.
 */
export async function startWebServer(api: ServedApi, options: WebServerOptions): Promise<WebServer> {
  const root = fs.realpathSync(options.rendererDir);
  if (!fs.existsSync(path.join(root, INDEX_FILE))) throw new Error(`no ${INDEX_FILE} in ${root}`);
  const token = options.token ?? newToken();
  const streams = new Set<ServerResponse>();
  let port = 0;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    const target = req.url ?? '';
    if (!target.startsWith('/')) return sendText(res, 400, 'bad request target');
    const hostProblem = hostHeaderProblem(req);
    if (hostProblem !== null) return sendText(res, 400, hostProblem);
    const url = new URL(`http://${HOST}${target}`);
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    const foreign = foreignRequest(req, port, isApi);
    if (foreign !== null) return isApi ? sendJson(res, 403, { error: foreign }) : sendText(res, 403, foreign);

    if (url.pathname === '/api/events') {
      if (!hasToken(req, token, url.searchParams)) return sendJson(res, 401, { error: 'missing or wrong token' });
      if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
      streams.add(res);
      await streamEvents(req, res, (listener) => api.onEvent(listener), options.heartbeatMs);
      streams.delete(res);
    } else if (url.pathname === EXPORT_ZIP_PATH) {
      if (!hasToken(req, token, url.searchParams)) return sendJson(res, 401, { error: 'missing or wrong token' });
      if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
      await sendExportZip(res, api, url.searchParams);
    } else if (isApi) {
      if (!hasToken(req, token)) return sendJson(res, 401, { error: 'missing or wrong token' });
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      await answerApiCall(req, res, api, url.pathname.slice('/api/'.length));
    } else {
      if (!hasToken(req, token, url.searchParams)) return sendText(res, 401, 'Temper: open the address `temper serve` printed; it carries the token.');
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
      if (isIndexPath(url.pathname) && sameToken(url.searchParams.get('token') ?? undefined, token)) res.setHeader('Set-Cookie', tokenCookie(token));
      await sendStatic(req, res, root, url.pathname);
    }
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      console.error(`temper serve: ${req.method} ${req.url}: ${oneLine(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: oneLine(error) });
      else res.destroy();
    });
  });
  await listen(server, options.port ?? 0);
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    close: async () => {
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendJson(res, 405, { error: `only ${allow} here` });
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new Error(`port ${port} is in use on ${HOST}; pick another with --port, or --port 0 for a free one`));
      else reject(error);
    });
    server.listen(port, HOST, () => resolve());
  });
}
