import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo, DatasetInfo } from '../../shared/api';
import type { Page } from '../../shared/records';
import { MAX_BODY_BYTES } from '../../src-main/server/api-call';
import { startWebServer, type WebServer } from '../../src-main/server/server';
import { openApiService, type ApiService } from '../../src-main/services/api-service';
import { writeIdxFolder } from '../helpers/idx-folder';
import { callApi, openEvents, type Reply, request, valueOf } from './http';

let tmp: string;
let home: string;
let digits: string;
let backend: ApiService;
let server: WebServer;
let port: number;
let token: string;

const SECRET = 'the secret outside the renderer folder';
const EXTERNAL_IPV4 = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && !a.internal && a.family === 'IPv4');

/** Sends `text` as it is on a fresh connection and returns everything the server answers. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text));
    let reply = '';
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('utf8')));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}

/** A stand-in for out/renderer: the index, two assets, and a symlink pointing out of it. */
function writeRenderer(dir: string): void {
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Temper</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log("temper");');
  fs.writeFileSync(path.join(dir, 'assets', 'app.css'), 'body { margin: 0 }');
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(dir, 'assets', 'leak.txt'));
}

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-server-')));
  home = path.join(tmp, 'home');
  digits = path.join(tmp, 'digits');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  writeRenderer(path.join(tmp, 'renderer'));
  writeIdxFolder(digits, { train: 30, test: 10, classes: 3 });
  backend = await openApiService(home, { shell: 'web' });
  server = await startWebServer(backend, { rendererDir: path.join(tmp, 'renderer'), heartbeatMs: 100 });
  ({ port, token } = server);
});

afterAll(async () => {
  await server?.close();
  await backend?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const call = (method: string, args: unknown[] = [], headers: Record<string, string> = {}) => callApi(port, token, method, args, headers);
const errorOf = (reply: Reply) => (JSON.parse(reply.body) as { error: string }).error;
const datasetNames = async () => (await valueOf<DatasetInfo[]>(call('listDatasets'))).map((d) => d.name);

async function ensureDigits(): Promise<void> {
  if (!(await datasetNames()).includes('digits')) await valueOf(call('importDataset', [{ source: digits, name: 'digits' }]));
}

describe('the token', () => {
  it('is 24 random bytes in base64url, and the printed address carries it', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(server.url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
  });

  it('refuses API calls without it or with a wrong one (401), and the call does not happen', async () => {
    const wrongSameLength = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const attempts = [
      request(port, '/api/appInfo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"args":[]}' }),
      callApi(port, wrongSameLength, 'appInfo', []),
      callApi(port, 'short', 'appInfo', []),
      // The query string is for page loads and EventSource only.
      request(port, `/api/appInfo?token=${token}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"args":[]}' }),
      callApi(port, wrongSameLength, 'importDataset', [{ source: digits, name: 'stolen' }]),
    ];
    for (const reply of await Promise.all(attempts)) {
      expect(reply.status).toBe(401);
      expect(errorOf(reply)).toBe('missing or wrong token');
    }
    expect(await datasetNames()).not.toContain('stolen');
  });

  it('refuses the event stream without it (401)', async () => {
    for (const target of ['/api/events', `/api/events?token=${token}x`]) {
      expect((await request(port, target)).status).toBe(401);
    }
  });

  it('refuses the page and its files without it (401)', async () => {
    for (const target of ['/', '/index.html', `/?token=${token.slice(1)}`, '/assets/app.js', '/assets/app.js?token=nope']) {
      const reply = await request(port, target);
      expect(reply.status, target).toBe(401);
      expect(reply.body).not.toMatch(/<title>|console\.log/);
    }
  });

  it('is set as an HttpOnly, SameSite=Strict cookie by the page, which then opens its files, calls and events', async () => {
    const page = await request(port, `/?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toEqual([`temper_token=${token}; HttpOnly; SameSite=Strict; Path=/`]);
    const cookie = { Cookie: `other=1; temper_token=${token}` };
    expect((await request(port, '/assets/app.js', { headers: cookie })).status).toBe(200);
    expect((await request(port, '/', { headers: cookie })).status).toBe(200);
    const info = await valueOf<AppInfo>(request(port, '/api/appInfo', { method: 'POST', headers: { ...cookie, 'Content-Type': 'application/json' }, body: '{"args":[]}' }));
    expect(info.shell).toBe('web');
    const stream = await openEvents(port, '/api/events', cookie);
    expect(stream.status).toBe(200);
    stream.close();
  });
});

describe('requests from elsewhere', () => {
  it('are refused (403) even with the token, and change nothing in the store', async () => {
    await ensureDigits();
    const runsBefore = await valueOf<Page<unknown>>(call('listRuns', [{}]));
    const headerSets: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Origin: `http://127.0.0.1:${port + 1}` },
      { Origin: `http://localhost:${port + 1}` },
      { 'Sec-Fetch-Site': 'cross-site' },
      // Another server on localhost is the same site; the API answers only its own origin.
      { 'Sec-Fetch-Site': 'same-site' },
      // DNS rebinding: another name that resolves to 127.0.0.1.
      { Host: `evil.example:${port}` },
      { Host: 'evil.example' },
      { Host: `127.0.0.1:${port + 1}` },
    ];
    for (const headers of headerSets) {
      const removal = await call('removeDataset', ['digits'], headers);
      expect(removal.status, JSON.stringify(headers)).toBe(403);
      const start = await call('startRun', [{ config: { model: 'mlp', epochs: 1 }, dataset: 'digits' }], headers);
      expect(start.status, JSON.stringify(headers)).toBe(403);
    }
    expect(await datasetNames()).toContain('digits');
    expect((await valueOf<Page<unknown>>(call('listRuns', [{}]))).total).toBe(runsBefore.total);
  });

  it('cannot read the page, its files or the events (403)', async () => {
    const evil = { Host: `evil.example:${port}` };
    for (const target of [`/?token=${token}`, `/assets/app.js?token=${token}`, `/api/events?token=${token}`]) {
      expect((await request(port, target, { headers: evil })).status, target).toBe(403);
      expect((await request(port, target, { headers: { Origin: 'https://evil.example' } })).status, target).toBe(403);
    }
  });

  it('with two Host headers are a 400, whichever comes first (HTTP/1.1 wants exactly one)', async () => {
    for (const hosts of [[`127.0.0.1:${port}`, 'evil.example'], ['evil.example', `127.0.0.1:${port}`]]) {
      const reply = await rawRequest(port, [`GET /api/events?token=${token} HTTP/1.1`, ...hosts.map((h) => `Host: ${h}`), 'Connection: close', '', ''].join('\r\n'));
      expect(reply.split('\r\n')[0], hosts.join(', ')).toBe('HTTP/1.1 400 Bad Request');
      expect(reply).toContain('expected one Host header, got 2');
    }
  });

  it('are not those of our own origin under either name', async () => {
    const local = { Host: `localhost:${port}`, Origin: `http://localhost:${port}`, 'Sec-Fetch-Site': 'same-origin' };
    expect((await call('appInfo', [], local)).status).toBe(200);
    expect((await call('appInfo', [], { Origin: `http://127.0.0.1:${port}` })).status).toBe(200);
  });

  // CI machines often have no external IPv4 address; then there is nothing to try from.
  it.skipIf(!EXTERNAL_IPV4)('never reach the server from another interface: it listens on 127.0.0.1 only (skipped without an external IPv4 address)', async () => {
    const outside = EXTERNAL_IPV4!;
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, outside.address);
      socket.on('connect', () => (socket.destroy(), resolve(false)));
      socket.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});

describe('API calls', () => {
  it('reach the real backend: appInfo, listDatasets, importDataset, removeDataset', async () => {
    const info = await valueOf<AppInfo>(call('appInfo'));
    expect(info).toMatchObject({ home, shell: 'web', platform: process.platform });
    const imported = await valueOf<DatasetInfo>(call('importDataset', [{ source: digits, name: 'roundtrip' }]));
    expect(imported).toMatchObject({ name: 'roundtrip', format: 'idx', shape: [8, 8, 1] });
    expect(await datasetNames()).toContain('roundtrip');
    // A call that returns nothing answers null.
    expect(JSON.parse((await call('removeDataset', ['roundtrip'])).body)).toEqual({ value: null });
    expect(await datasetNames()).not.toContain('roundtrip');
  });

  it('with a bad argument are a 400 naming the call and the argument', async () => {
    const badId = await call('tagRun', ['one', 'best']);
    expect(badId.status).toBe(400);
    expect(errorOf(badId)).toMatch(/^tagRun: argument 0: /);
    const missing = await call('removeDataset', []);
    expect(missing.status).toBe(400);
    expect(errorOf(missing)).toMatch(/^removeDataset: /);
    const badField = await call('listRuns', [{ limit: 'all' }]);
    expect(errorOf(badField)).toMatch(/argument 0\.limit/);
  });

  it('with a body that is not {"args": [...]} JSON are a 400, or a 415 when not sent as JSON', async () => {
    const post = (body: string, type = 'application/json') =>
      request(port, '/api/appInfo', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body });
    for (const body of ['{"args": [', '[]', 'null', '{"args": {}}', '']) {
      const reply = await post(body);
      expect(reply.status, body).toBe(400);
      expect(errorOf(reply)).not.toContain('\n');
    }
    const form = await post('args=1', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
    expect((await post('{"args":[]}', 'application/json; charset=utf-8')).status).toBe(200);
  });

  it('to a method TemperApi does not have are a 404', async () => {
    for (const method of ['evaluate', 'constructor', '__proto__', 'toString', 'onEvent', 'close']) {
      const reply = await call(method);
      expect(reply.status, method).toBe(404);
      expect(errorOf(reply)).toContain('no API call named');
    }
  });

  it('are POST only (405)', async () => {
    const reply = await request(port, '/api/appInfo', { headers: { Authorization: `Bearer ${token}` } });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('POST');
  });

  it('with a body over 1 MiB are a 413', async () => {
    const reply = await call('addNote', [1, 'x'.repeat(MAX_BODY_BYTES)]);
    expect(reply.status).toBe(413);
    // Without a Content-Length the server counts as it reads.
    const chunked = await call('addNote', [1, 'x'.repeat(MAX_BODY_BYTES)], { 'Transfer-Encoding': 'chunked' });
    expect(chunked.status).toBe(413);
  });

  it('never write outside the data folder: a demo named ../../x or an export to ../elsewhere is refused first', async () => {
    const before = fs.readdirSync(tmp).sort();
    const demo = await call('createDemoDataset', ['../../x']);
    expect(demo.status).toBe(400);
    expect(errorOf(demo)).toMatch(/^createDemoDataset: argument 0: expected 1 to 64 letters/);
    const exported = await call('exportRun', [1, '../elsewhere']);
    expect(exported.status).toBe(422);
    expect(errorOf(exported)).toContain("export folder '../elsewhere' is outside the data folder");
    expect(fs.readdirSync(tmp).sort()).toEqual(before);
    expect(fs.existsSync(path.join(home, 'sources'))).toBe(false);
  });

  it('that a service refuses are a 422 with its message on one line', async () => {
    const reply = await call('removeDataset', ['nothing-here']);
    expect(reply.status).toBe(422);
    const error = errorOf(reply);
    expect(error).toContain('nothing-here');
    expect(error).not.toContain('\n');
    expect(error).not.toMatch(/\bat .*:\d+:\d+/);
  });
});

describe('the event stream', () => {
  it('sends backend events as server-sent events, with heartbeats', async () => {
    const stream = await openEvents(port, `/api/events?token=${token}`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['cache-control']).toBe('no-store');
    await valueOf(call('importDataset', [{ source: digits, name: 'evented' }]));
    await stream.until(() => stream.events().some((e) => e.type === 'datasets-changed'));
    await stream.until((text) => text.includes(': heartbeat\n\n'));
    stream.close();
  });

  it('is ended when the server closes, which does not wait for the client', async () => {
    const second = await startWebServer(backend, { rendererDir: path.join(tmp, 'renderer') });
    const stream = await openEvents(second.port, `/api/events?token=${second.token}`);
    expect(stream.status).toBe(200);
    let ended = false;
    void stream.ended.then(() => (ended = true));
    await second.close();
    // close() resolved without the client hanging up; the stream ends right after.
    await stream.ended;
    expect(ended).toBe(true);
  });
});

describe('static files', () => {
  const withToken = (target: string, options: { method?: string } = {}) => request(port, target, { ...options, headers: { Authorization: `Bearer ${token}` } });

  it('serve the index uncached, with the security headers', async () => {
    const reply = await request(port, `/index.html?token=${token}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<title>Temper</title>');
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-frame-options']).toBe('DENY');
    // The header repeats the renderer's own CSP meta tag.
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(fs.readFileSync('src-renderer/index.html', 'utf8'));
    expect(reply.headers['content-security-policy']).toContain(meta?.[1]);
  });

  it('serve assets with their content type; HEAD sends no body', async () => {
    const js = await withToken('/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log("temper");');
    expect((await withToken('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await withToken('/assets/app.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(js.body.length));
    expect(head.body).toBe('');
    expect((await withToken('/assets/missing.js')).status).toBe(404);
    expect((await withToken('/assets/app.js', { method: 'POST' })).status).toBe(405);
  });

  it('never leave the renderer folder', async () => {
    const escapes = [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/%2fetc%2fpasswd',
      '//etc/passwd',
      '/assets/leak.txt',
      '/assets',
      '/index.html%00.js',
      '/%E0%A4%A',
    ];
    for (const target of escapes) {
      const reply = await withToken(target);
      expect(reply.status, target).toBe(404);
      expect(reply.body).not.toContain(SECRET);
      expect(reply.body).not.toContain('root:');
    }
  });
});
