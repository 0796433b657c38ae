import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TemperApi } from '../../shared/api';
import { ApiArgumentError, isApiMethod, parseApiArgs } from '../../shared/api-schemas';
import { echo } from '../../shared/echo';
import { jsonDepthProblem, protoKeyPath } from '../../shared/json-safety';
import { oneLine, sendJson } from './respond';
import { webRefusal } from './web-rules';

/** Larger than any argument the API takes (a dataset path, a config, a note). */
export const MAX_BODY_BYTES = 1 << 20;

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw new RequestError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The `args` array of a `{"args": [...]}` body. */
async function argsOf(req: IncomingMessage): Promise<unknown[]> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new RequestError(415, `Content-Type must be application/json, got '${type}'`);
  const text = await readBody(req);
  const tooDeep = jsonDepthProblem(text);
  if (tooDeep !== null) throw new RequestError(400, `the body is ${tooDeep}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `the body is not JSON: ${oneLine(error)}`);
  }
  const proto = protoKeyPath(body);
  if (proto !== null) throw new RequestError(400, `${echo(proto)}: the key '__proto__' is not allowed`);
  const args = (body as { args?: unknown } | null)?.args;
  if (!Array.isArray(args)) throw new RequestError(400, 'the body must be {"args": [...]}');
  return args;
}

/**
 * POST /api/<method>: validates the arguments with the shared schemas, calls the backend and
 * answers `{"value": ...}`, or `{"error": "..."}` with 400 (bad request), 404 (no such call),
 * 403 (web mode does not allow it: web-rules.ts), 413, 415 or 422 (the service refused: its message, one line).
 */
export async function answerApiCall(req: IncomingMessage, res: ServerResponse, api: TemperApi, method: string): Promise<void> {
  if (!isApiMethod(method)) return sendJson(res, 404, { error: `no API call named '${method}'` });
  let args: unknown[];
  try {
    args = parseApiArgs(method, await argsOf(req));
  } catch (error) {
    const status = error instanceof RequestError ? error.status : 400;
    // Stop reading an oversized body; the connection closes after the answer.
    if (status === 413) res.setHeader('Connection', 'close');
    return sendJson(res, status, { error: oneLine(error) });
  }
  const refusal = await webRefusal(api, method, args);
  if (refusal !== null) return sendJson(res, 403, { error: refusal });
  let value: unknown;
  try {
    value = await (api[method] as (...a: unknown[]) => Promise<unknown>).call(api, ...args);
  } catch (error) {
    return sendJson(res, error instanceof ApiArgumentError ? 400 : 422, { error: oneLine(error) });
  }
  sendJson(res, 200, { value: value ?? null });
}
