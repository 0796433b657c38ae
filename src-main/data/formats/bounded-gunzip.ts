import { createGunzip } from 'node:zlib';
import { DatasetError } from '../dataset';

/** Bytes a decompressed file may run past the size its header implies, so a short trailer still gets its own clear error. */
export const INFLATE_MARGIN_BYTES = 64 * 1024;

/**
 * Inflates a gzip buffer, stopping as soon as the output passes the size its own header implies
 * (plus INFLATE_MARGIN_BYTES): a small archive that inflates to gigabytes is refused after reading
 * only what the format allows. `limitOf` sees the output so far and returns the allowed size once
 * the header is complete (or throws for a bad header), undefined while it needs more bytes.
 */
export function gunzipBounded(bytes: Buffer, file: string, limitOf: (head: Buffer) => number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let limit: number | undefined;
    const stop = (error: Error) => {
      gunzip.destroy();
      reject(error);
    };
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      try {
        limit ??= limitOf(chunks.length === 1 ? chunk : Buffer.concat(chunks));
      } catch (error) {
        return stop(error as Error);
      }
      if (limit !== undefined && total > limit + INFLATE_MARGIN_BYTES) {
        stop(new DatasetError(file, `inflates past the ${limit} bytes its header implies (size limit; stopped after ${total} bytes)`));
      }
    });
    gunzip.on('error', (err) => reject(new DatasetError(file, `not a valid gzip file: ${err.message}`)));
    gunzip.on('end', () => resolve(Buffer.concat(chunks, total)));
    gunzip.end(bytes);
  });
}
