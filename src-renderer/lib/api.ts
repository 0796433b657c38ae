import { API_CHANNELS, type ApiMethod, type TemperApi, type TemperEvent } from '../../shared/api';

/**
 * The one transport module: views call a TemperClient and never know whether it is Electron IPC
 * (the preload's `window.temper`) or HTTP + server-sent events (`temper serve`).
 */

export type EventListener = (event: TemperEvent) => void;

export interface TemperClient extends TemperApi {
  /** Calls `listener` with every live event until the returned function is called. */
  onEvent(listener: EventListener): () => void;
}

const TOKEN_KEY = 'temper-token';

/** The web token: `?token=` in the page URL (kept in sessionStorage so reloads work), else none (the cookie carries it). */
export function readToken(search: string, storage: Pick<Storage, 'getItem' | 'setItem'> | null): string | null {
  const fromUrl = new URLSearchParams(search).get('token');
  if (fromUrl) {
    storage?.setItem(TOKEN_KEY, fromUrl);
    return fromUrl;
  }
  return storage?.getItem(TOKEN_KEY) ?? null;
}

interface EventSourceLike {
  onmessage: ((message: MessageEvent) => void) | null;
  close(): void;
}

export interface WebClientOptions {
  token: string | null;
  /** Prefix of the API routes; '' when the page is served by `temper serve` itself. */
  base?: string;
  fetch?: typeof fetch;
  openEvents?: (url: string) => EventSourceLike;
}

/** POST /api/<method> {"args": [...]} → {"value"} or an error status with {"error"}. */
export function createWebClient(options: WebClientOptions): TemperClient {
  const base = options.base ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const openEvents = options.openEvents ?? ((url) => new EventSource(url));
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;

  async function call(method: ApiMethod, args: unknown[]): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${base}/api/${method}`, { method: 'POST', headers, body: JSON.stringify({ args }) });
    } catch (e) {
      throw new Error(`${method}: the Temper server did not answer (${(e as Error).message}); is \`temper serve\` still running?`);
    }
    const body = (await response.json().catch(() => null)) as { value?: unknown; error?: string } | null;
    if (!response.ok) throw new Error(body?.error ?? `${method}: the server answered HTTP ${response.status}`);
    return body?.value;
  }

  const listeners = new Set<EventListener>();
  let source: EventSourceLike | null = null;
  function onEvent(listener: EventListener): () => void {
    listeners.add(listener);
    if (!source) {
      const query = options.token ? `?token=${encodeURIComponent(options.token)}` : '';
      source = openEvents(`${base}/api/events${query}`);
      source.onmessage = (message) => {
        let event: TemperEvent;
        try {
          event = JSON.parse(String(message.data)) as TemperEvent;
        } catch {
          return;
        }
        for (const l of listeners) l(event);
      };
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && source) {
        source.close();
        source = null;
      }
    };
  }

  const methods = Object.fromEntries(
    (Object.keys(API_CHANNELS) as ApiMethod[]).map((method) => [method, (...args: unknown[]) => call(method, args)]),
  );
  return { ...(methods as unknown as TemperApi), onEvent };
}

/** Electron's preload bridge when present, else the web client for the page's own server. */
export function createClient(): TemperClient {
  if (window.temper) return window.temper;
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    // Storage can be disabled by the browser; the HttpOnly cookie still authenticates same-origin calls.
  }
  return createWebClient({ token: readToken(window.location.search, storage) });
}
