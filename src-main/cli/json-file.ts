import fs from 'node:fs';
import { unknownFieldMessage } from '../../shared/config';
import { echo } from '../../shared/echo';
import { jsonDepthProblem, protoKeyPath } from '../../shared/json-safety';

/** Refuses keys of a request file that no request has, naming the likely intended one. */
export function refuseUnknownKeys(record: Record<string, unknown>, known: readonly string[], file: string): void {
  const unknown = Object.keys(record).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${file}: ${unknown.map((key) => unknownFieldMessage(key, known)).join(', ')}`);
}

/** A JSON object read from a file given on the command line; the error names the file and what is wrong. */
export function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read it (${(error as Error).message})`}`);
  }
  const tooDeep = jsonDepthProblem(text);
  if (tooDeep !== null) throw new Error(`${file}: ${tooDeep}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object`);
  const proto = protoKeyPath(parsed, '(file)');
  if (proto !== null) throw new Error(`${file}: ${echo(proto)}: the key '__proto__' is not allowed`);
  return parsed as Record<string, unknown>;
}
