import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sendText } from './respond';

/** The types electron-vite's renderer build produces; anything else is served as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export const INDEX_FILE = 'index.html';

export function isIndexPath(pathname: string): boolean {
  return pathname === '/' || pathname === `/${INDEX_FILE}`;
}

/**
 * The file a URL path names inside `root` (a real path), or null when it names nothing there:
 * a bad escape, a NUL, `..` or a symlink leading out of the root, a folder, a missing file.
 */
export async function fileInside(root: string, pathname: string): Promise<string | null> {
  let relative: string;
  try {
    relative = isIndexPath(pathname) ? INDEX_FILE : decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  const inside = (p: string) => p.startsWith(root + path.sep);
  const file = path.resolve(root, `.${path.sep}${relative}`);
  if (!inside(file)) return null;
  try {
    const real = await fs.promises.realpath(file);
    if (!inside(real) || !(await fs.promises.stat(real)).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

/** Sends a file of the renderer build: GET or HEAD, its content type, never cached when it is the index. */
export async function sendStatic(req: IncomingMessage, res: ServerResponse, root: string, pathname: string): Promise<void> {
  const file = await fileInside(root, pathname);
  if (file === null) return sendText(res, 404, `not found: ${pathname}`);
  const size = (await fs.promises.stat(file)).size;
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
    // The index names the hashed assets of the current build, so it must be fetched afresh.
    'Cache-Control': path.basename(file) === INDEX_FILE ? 'no-store' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A client that goes away mid-file is not an error of ours.
  await pipeline(fs.createReadStream(file), res).catch(() => res.destroy());
}
