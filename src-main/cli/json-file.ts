import fs from 'node:fs';
import { unknownFieldMessage } from '../../shared/config';

/** Refuses keys of a request file that no request has, naming the likely intended one. */
export function refuseUnknownKeys(record: Record<string, unknown>, known: readonly string[], file: string): void {
  const unknown = Object.keys(record).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${file}: ${unknown.map((key) => unknownFieldMessage(key, known)).join(', ')}`);
}

/** A JSON object read from a file given on the command line; the error names the file and what is wrong. */
export function readJsonObject(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(error as Error).message})`}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object`);
  return parsed as Record<string, unknown>;
}
