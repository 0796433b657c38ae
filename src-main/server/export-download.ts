import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EXPORT_FORMATS, type ExportFormat, type TemperApi } from '../../shared/api';
import { oneLine, sendJson } from './respond';
import { zipChunks, zipEntriesOf } from './zip';

export const EXPORT_ZIP_PATH = '/api/export.zip';

/** The archive's name: the folder inside it has the same name without .zip. */
export function exportZipName(id: number, format: ExportFormat): string {
  return `temper-run-${id}-${format === 'onnx' ? 'onnx' : 'export'}`;
}

/**
 * GET /api/export.zip?run=<id>&format=temper|onnx: exports the run into its folder on the server
 * (as the Export button does) and streams that folder, or the .onnx file, as a zip download.
 * A bad query is a 400 naming the parameter; a run that cannot be exported, a 422 with the reason.
 */
export async function sendExportZip(res: ServerResponse, api: TemperApi, query: URLSearchParams): Promise<void> {
  const run = query.get('run') ?? '';
  const id = Number(run);
  if (!/^\d+$/.test(run) || !Number.isSafeInteger(id) || id < 1) return sendJson(res, 400, { error: `run: expected a run id (a positive integer), got '${run}'` });
  const format = query.get('format') ?? 'temper';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) return sendJson(res, 400, { error: `format: expected ${EXPORT_FORMATS.join(' or ')}, got '${format}'` });
  let exported: string;
  try {
    exported = (await api.exportRun(id, null, format as ExportFormat)).dir;
  } catch (error) {
    return sendJson(res, 422, { error: oneLine(error) });
  }
  const name = exportZipName(id, format as ExportFormat);
  const entries = zipEntriesOf(exported, name);
  res.writeHead(200, {
    'Content-Type': 'application/zip',
    'Content-Disposition': `attachment; filename="${name}.zip"`,
    'Cache-Control': 'no-store',
    // Where the folder also is on the server, for the page to say so.
    'X-Temper-Export': encodeURIComponent(exported),
  });
  await pipeline(Readable.from(zipChunks(entries)), res).catch(() => res.destroy());
}
