import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * A content hash of a dataset's source files: sha256 over each file's path relative to `root`
 * (POSIX separators, sorted), its size and its bytes, streamed. Renaming, editing or adding a file
 * changes it; moving the whole dataset folder does not. Returns 'sha256:<hex>'.
 */
export async function hashSourceFiles(files: string[], root: string): Promise<string> {
  const entries = files.map((file) => ({ file, relative: path.relative(root, file).split(path.sep).join('/') }));
  entries.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  const hash = createHash('sha256');
  for (const { file, relative } of entries) {
    const { size } = await stat(file);
    // NUL cannot appear in a path, so path and size cannot run into each other.
    hash.update(`${relative}\0${size}\0`);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The folder that source paths are made relative to: the source itself, or an archive's folder. */
export async function hashRoot(source: string): Promise<string> {
  const info = await stat(source);
  return info.isDirectory() ? source : path.dirname(source);
}
