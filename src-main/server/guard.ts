import type { IncomingMessage } from 'node:http';

/**
 * Refuses requests that did not come from our own page, before the token is even looked at:
 * a foreign Host is DNS rebinding (another name resolving to 127.0.0.1), a foreign Origin or a
 * cross-site fetch is another page in the user's browser. Returns why, or null when it may proceed.
 */
export function foreignRequest(req: IncomingMessage, port: number, api: boolean): string | null {
  const ours = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = req.headers.host?.toLowerCase();
  if (host === undefined || !ours.includes(host)) return `Host '${req.headers.host ?? ''}' is not ${ours.join(' or ')}`;
  const origin = req.headers.origin?.toLowerCase();
  if (origin !== undefined && !ours.some((o) => origin === `http://${o}`)) return `Origin '${req.headers.origin}' is not this server`;
  const site = req.headers['sec-fetch-site'];
  // Ports do not separate sites, so another local server's page is 'same-site': the API wants 'same-origin'.
  if (site === 'cross-site' || (api && site === 'same-site')) return `a ${site} request`;
  return null;
}

/** HTTP/1.1 (RFC 9112 §3.2): a request with no Host or more than one is a 400; Node would take the first. */
export function hostHeaderProblem(req: IncomingMessage): string | null {
  const count = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i].toLowerCase() === 'host').length;
  return count === 1 ? null : `expected one Host header, got ${count}`;
}
