import fs from 'node:fs';
import path from 'node:path';

/**
 * Reading a bundle that someone else wrote: nothing outside the bundle is reached through a link,
 * no file is read whole past a size limit, and an error names the file and line but never repeats
 * what the file holds.
 */

/** The most a bundle's JSON files (bundle.json, status.json, result.json) may hold. */
export const JSON_FILE_MAX_BYTES = 1 << 20;

/**
 * The most a JSON-lines file may hold: 256 MB. A run logs one step line (about 150 bytes) per 10
 * steps, so this is some 17 million steps; a real run writes a few MB.
 */
export const LINES_FILE_MAX_BYTES = 256 << 20;

/** The longest line of a JSON-lines file (an epoch line with per-layer statistics is a few KB). */
export const LINE_MAX_BYTES = 1 << 20;

/** A bundle holds a few dozen files; a tree far larger is not one. */
const MAX_ENTRIES = 10_000;

const shown = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

/**
 * Refuses a bundle folder that is a link, or that holds a link leading outside it (checked with
 * lstat, each link resolved): reading `epochs.jsonl -> /etc/passwd` would import another file.
 */
export function checkBundleLinks(dir: string): void {
  if (fs.lstatSync(dir).isSymbolicLink()) throw new Error(`${dir}: the bundle folder is a link; links are not followed (import the folder it points to)`);
  const root = fs.realpathSync(dir);
  const pending = [dir];
  let seen = 0;
  while (pending.length > 0) {
    const folder = pending.pop()!;
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      if (++seen > MAX_ENTRIES) throw new Error(`${dir}: more than ${MAX_ENTRIES} files; not a bundle`);
      const file = path.join(folder, entry.name);
      if (entry.isSymbolicLink()) checkLinkInside(file, root);
      else if (entry.isDirectory()) pending.push(file);
    }
  }
}

function checkLinkInside(file: string, root: string): void {
  let target: string;
  try {
    target = fs.realpathSync(file);
  } catch {
    throw new Error(`${file}: a link to a missing file; refused`);
  }
  if (target !== root && !target.startsWith(`${root}${path.sep}`)) {
    throw new Error(`${file}: a link to ${shown(target)}, outside the bundle; refused (links must stay inside the bundle)`);
  }
}

/** A JSON file's value, or undefined when it is missing; too large or not JSON is an error naming the file. */
export function readJsonFile(file: string, maxBytes = JSON_FILE_MAX_BYTES): unknown {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > maxBytes) throw new Error(`${file}: ${megabytes(size)} is over the ${megabytes(maxBytes)} a bundle's JSON file may hold`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new Error(`${file}: a folder, not a file`);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: only where it failed is said.
    throw new Error(`${file}: not valid JSON`);
  }
}

function megabytes(bytes: number): string {
  return bytes < 1 << 20 ? `${Math.ceil(bytes / 1024)} KB` : `${Math.round(bytes / (1 << 20))} MB`;
}

export interface LineLimits {
  /** The most the file may hold. */
  maxBytes?: number;
  /** The longest line. */
  maxLineBytes?: number;
}

/**
 * Calls `onLine` with each whole line of a JSON-lines file from line `from` (0-based) on, parsed,
 * and its 1-based line number; reads the file in chunks, never whole. A last line without its
 * newline is still being written and is left for the next read. Returns the whole lines read from
 * `from` on. A missing file has none.
 */
export function forEachJsonLine(file: string, from: number, onLine: (value: unknown, line: number) => void, limits: LineLimits = {}): number {
  const maxBytes = limits.maxBytes ?? LINES_FILE_MAX_BYTES;
  const maxLine = limits.maxLineBytes ?? LINE_MAX_BYTES;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) throw new Error(`${file}: ${megabytes(size)} is over the ${megabytes(maxBytes)} a bundle's ${path.basename(file)} may hold; refused`);
    return readLines(fd, file, from, onLine, { maxBytes, maxLine });
  } finally {
    fs.closeSync(fd);
  }
}

function readLines(fd: number, file: string, from: number, onLine: (value: unknown, line: number) => void, limits: { maxBytes: number; maxLine: number }): number {
  const chunk = Buffer.alloc(1 << 16);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  let total = 0;
  for (;;) {
    const read = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) return line - Math.min(line, from);
    total += read;
    // The file grew while being read (a run still appending): what is past the limit is not read.
    if (total > limits.maxBytes) throw new Error(`${file}: grew past the ${megabytes(limits.maxBytes)} a bundle's ${path.basename(file)} may hold; refused`);
    let start = 0;
    for (let end = chunk.indexOf(10, 0); end !== -1 && end < read; end = chunk.indexOf(10, start)) {
      pendingBytes += end - start;
      if (pendingBytes > limits.maxLine) throw new Error(`${file}: line ${line + 1} is longer than ${megabytes(limits.maxLine)}; refused`);
      line += 1;
      if (line > from) {
        const text = Buffer.concat([...pending, chunk.subarray(start, end)]).toString('utf8');
        onLine(parseLine(file, text, line), line);
      }
      pending = [];
      pendingBytes = 0;
      start = end + 1;
    }
    if (start < read) {
      pendingBytes += read - start;
      if (pendingBytes > limits.maxLine) throw new Error(`${file}: line ${line + 1} is longer than ${megabytes(limits.maxLine)}; refused`);
      // Kept only for lines still to be parsed; skipped lines are counted, not held.
      if (line + 1 > from) pending.push(Buffer.from(chunk.subarray(start, read)));
    }
  }
}

function parseLine(file: string, text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${file}: line ${line} is not valid JSON`);
  }
}
