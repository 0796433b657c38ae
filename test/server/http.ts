import http from 'node:http';
import type { TemperEvent } from '../../shared/api';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A raw HTTP request to 127.0.0.1, so tests can send any Host, Origin or path a browser or attacker could. */
export function request(port: number, target: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST /api/<method> as the web renderer sends it, with extra headers (e.g. a foreign Origin) on top. */
export function callApi(port: number, token: string, method: string, args: unknown[], headers: Record<string, string> = {}): Promise<Reply> {
  return request(port, `/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ args }),
  });
}

/** The value of a successful call; fails the test with the server's error otherwise. */
export async function valueOf<T>(reply: Promise<Reply>): Promise<T> {
  const { status, body } = await reply;
  if (status !== 200) throw new Error(`expected 200, got ${status}: ${body}`);
  return (JSON.parse(body) as { value: T }).value;
}

export interface EventStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Everything received so far, raw. */
  text(): string;
  events(): TemperEvent[];
  /** Resolves once the raw stream satisfies `test`; rejects after `ms`. */
  until(test: (text: string) => boolean, ms?: number): Promise<void>;
  /** Resolves when the server ends the stream or the connection drops. */
  ended: Promise<void>;
  close(): void;
}

/** Opens GET /api/events (or any path) and collects what arrives, as EventSource would. */
export function openEvents(port: number, target: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: target, headers }, (res) => {
      let received = '';
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        received += chunk;
        for (const check of waiters) check();
      });
      const ended = new Promise<void>((done) => res.on('close', done));
      resolve({
        ended,
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => received,
        events: () => [...received.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]) as TemperEvent),
        until: (test, ms = 20_000) =>
          new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`timed out waiting on the event stream; got: ${received}`)), ms);
            const check = () => {
              if (!test(received)) return;
              clearTimeout(timer);
              waiters.delete(check);
              done();
            };
            waiters.add(check);
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
