import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The session cookie the index page sets, so the page's own asset, API and event requests carry the token. */
export const TOKEN_COOKIE = 'temper_token';

/** 24 random bytes: the one secret between `temper serve` and the browser tab it prints the URL for. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
export function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Whether the request carries the token: in `Authorization: Bearer`, in the cookie, or (only where
 * `query` is given: page loads and EventSource, which cannot set headers) as `?token=`. Any one
 * matching is enough, so a stale cookie from an earlier server does not hide a fresh `?token=`.
 */
export function hasToken(req: IncomingMessage, expected: string, query?: URLSearchParams): boolean {
  const given = [bearerToken(req), cookieValue(req, TOKEN_COOKIE), query?.get('token') ?? undefined];
  return given.some((t) => sameToken(t, expected));
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
