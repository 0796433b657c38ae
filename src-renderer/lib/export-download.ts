import type { ExportFormat } from '../../shared/api';
import { readToken } from './api';
import { downloadBlob } from './download';

/** In web mode the server is another machine, maybe: exports come back as a zip download. */
export function isWebMode(): boolean {
  return typeof window !== 'undefined' && !window.temper;
}

export interface DownloadedExport {
  file: string;
  /** Where the export also is on the server's disk. */
  serverPath: string | null;
}

/** Asks `temper serve` to export the run and saves the zip it streams back (GET /api/export.zip). */
export async function downloadExportZip(id: number, format: ExportFormat, doFetch: typeof fetch = (input, init) => fetch(input, init)): Promise<DownloadedExport> {
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    // Storage can be disabled; the page's HttpOnly cookie still carries the token.
  }
  const token = readToken(window.location.search, storage);
  const response = await doFetch(`/api/export.zip?run=${id}&format=${format}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `Export: the server answered HTTP ${response.status}`);
  }
  const file = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? `temper-run-${id}.zip`;
  const where = response.headers.get('X-Temper-Export');
  downloadBlob(file, await response.blob());
  return { file, serverPath: where ? decodeURIComponent(where) : null };
}
