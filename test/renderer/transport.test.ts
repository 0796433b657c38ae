import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TemperEvent } from '../../shared/api';
import { createWebClient, readToken } from '../../src-renderer/lib/api';
import { hashOf, parseHash } from '../../src-renderer/lib/router.svelte';
import { throttle } from '../../src-renderer/lib/throttle';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('web client', () => {
  it('posts {"args": [...]} to /api/<method> with the bearer token and returns the value', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { value: { rows: [], total: 0 } }));
    const client = createWebClient({ token: 'abc', fetch });
    await expect(client.listRuns({ filter: 'bits=2', limit: 50 })).resolves.toEqual({ rows: [], total: 0 });
    expect(fetch).toHaveBeenCalledWith('/api/listRuns', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer abc' },
      body: '{"args":[{"filter":"bits=2","limit":50}]}',
    });
  });

  it("throws the server's error message", async () => {
    const client = createWebClient({ token: null, fetch: async () => jsonResponse(422, { error: "filter: unknown field 'bitz' at 1" }) });
    await expect(client.listRuns({})).rejects.toThrow("filter: unknown field 'bitz' at 1");
  });

  it('names the call when the server is gone or answers without JSON', async () => {
    const gone = createWebClient({ token: null, fetch: async () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(gone.appInfo()).rejects.toThrow(/appInfo: the Temper server did not answer/);
    const html = createWebClient({ token: null, fetch: async () => new Response('<h1>502</h1>', { status: 502 }) });
    await expect(html.doctor()).rejects.toThrow('doctor: the server answered HTTP 502');
  });

  it('opens one event stream with the token, fans events out, and closes it with the last listener', () => {
    const source = { onmessage: null as ((m: MessageEvent) => void) | null, close: vi.fn() };
    const openEvents = vi.fn(() => source);
    const client = createWebClient({ token: 't/1', fetch: vi.fn(), openEvents });
    const a: TemperEvent[] = [];
    const b: TemperEvent[] = [];
    const offA = client.onEvent((e) => a.push(e));
    const offB = client.onEvent((e) => b.push(e));
    expect(openEvents).toHaveBeenCalledExactlyOnceWith('/api/events?token=t%2F1');
    source.onmessage!(new MessageEvent('message', { data: '{"type":"datasets-changed"}' }));
    source.onmessage!(new MessageEvent('message', { data: 'not json' }));
    expect(a).toEqual([{ type: 'datasets-changed' }]);
    expect(b).toEqual(a);
    offA();
    expect(source.close).not.toHaveBeenCalled();
    offB();
    expect(source.close).toHaveBeenCalled();
  });

  it('keeps the token from ?token= for reloads', () => {
    sessionStorage.clear();
    expect(readToken('?token=xyz', sessionStorage)).toBe('xyz');
    expect(readToken('', sessionStorage)).toBe('xyz');
    expect(readToken('?token=new', sessionStorage)).toBe('new');
    sessionStorage.clear();
    expect(readToken('', sessionStorage)).toBeNull();
  });
});

describe('hash routes', () => {
  it('parses every view', () => {
    expect(parseHash('')).toEqual({ view: 'runs', id: null, query: {} });
    expect(parseHash('#/runs/12')).toEqual({ view: 'run', id: 12, query: {} });
    expect(parseHash('#/compare?ids=1,2')).toEqual({ view: 'compare', id: null, query: { ids: '1,2' } });
    expect(parseHash('#/runs?filter=bits%3D2').query).toEqual({ filter: 'bits=2' });
    expect(parseHash('#/datasets').view).toBe('datasets');
    expect(parseHash('#/runs/abc').view).toBe('not-found');
    expect(parseHash('#/nowhere').view).toBe('not-found');
  });

  it('writes a hash, leaving out empty values', () => {
    expect(hashOf('runs', { filter: 'tag = "a b"', page: null, sort: '' })).toBe('#/runs?filter=tag%20%3D%20%22a%20b%22');
    expect(parseHash(hashOf('runs', { filter: 'tag = "a b"' })).query.filter).toBe('tag = "a b"');
  });
});

describe('throttle', () => {
  afterEach(() => vi.useRealTimers());

  it('runs a burst of calls once, then at most once per interval, always ending with a call', () => {
    vi.useFakeTimers();
    const run = vi.fn();
    const t = throttle(run, 500);
    for (let i = 0; i < 10; i++) t();
    vi.advanceTimersByTime(0);
    expect(run).toHaveBeenCalledTimes(1);
    t();
    vi.advanceTimersByTime(400);
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100);
    expect(run).toHaveBeenCalledTimes(2);
  });
});
