/**
 * Hash routing, so every view is linkable: #/runs, #/runs/12, #/compare?ids=1,2, #/datasets,
 * #/new, #/settings. A navigation (hashchange) bumps `visit`, which remounts the view; a view
 * that mirrors its own state into the URL uses replaceQuery, which does not.
 */

export type ViewName = 'runs' | 'run' | 'compare' | 'datasets' | 'new' | 'settings' | 'studies' | 'not-found';

export interface Route {
  view: ViewName;
  /** The run id of #/runs/<id>. */
  id: number | null;
  query: Record<string, string>;
  visit: number;
}

export function parseHash(hash: string): Omit<Route, 'visit'> {
  const text = hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = text.split('?', 2);
  const query = Object.fromEntries(new URLSearchParams(queryPart));
  const [head = '', second, ...rest] = pathPart.split('/').filter(Boolean);
  if (head === '' && second === undefined) return { view: 'runs', id: null, query };
  if (head === 'runs' && second !== undefined && rest.length === 0) {
    const id = Number(second);
    return Number.isInteger(id) && id > 0 ? { view: 'run', id, query } : { view: 'not-found', id: null, query };
  }
  const simple: ViewName[] = ['runs', 'compare', 'datasets', 'new', 'settings', 'studies'];
  if (second === undefined && (simple as string[]).includes(head)) return { view: head as ViewName, id: null, query };
  return { view: 'not-found', id: null, query };
}

/** `#/path?key=value`, leaving out empty values; commas stay readable (`ids=1,2`). */
export function hashOf(path: string, query: Record<string, string | number | null | undefined> = {}): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/%2C/gi, ',');
  const text = Object.entries(query)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${encode(key)}=${encode(String(value))}`)
    .join('&');
  return `#/${path}${text ? `?${text}` : ''}`;
}

let shownHash = typeof location === 'undefined' ? '' : location.hash;
export const route: Route = $state({ ...parseHash(shownHash), visit: 0 });

function readLocation(): void {
  if (location.hash === shownHash) return;
  shownHash = location.hash;
  Object.assign(route, parseHash(shownHash), { visit: route.visit + 1 });
}

/** Starts following location.hash; returns the function that stops. */
export function startRouter(): () => void {
  readLocation();
  window.addEventListener('hashchange', readLocation);
  return () => window.removeEventListener('hashchange', readLocation);
}

export function navigate(hash: string): void {
  location.hash = hash;
}

/** Mirrors a view's state into the URL without a navigation (no remount, no history entry). */
export function replaceQuery(path: string, query: Record<string, string | number | null | undefined>): void {
  const hash = hashOf(path, query);
  history.replaceState(history.state, '', hash);
  shownHash = location.hash;
  route.query = parseHash(hash).query;
}
