import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportFormat } from '../../shared/api';
import { type ServedApi, startWebServer, type WebServer } from '../../src-main/server/server';
import { crc32, zipChunks, zipEntriesOf } from '../../src-main/server/zip';

let tmp: string;

/** What Python's zipfile reads from an archive: its CRC check, and each entry's name and sha256. */
function pythonRead(file: string): { bad: string | null; entries: Record<string, string> } {
  const script = `import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "entries": {i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}}))`;
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as { bad: string | null; entries: Record<string, string> };
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** An export-like folder: JSON, compressible and incompressible bytes, an empty file, a sub-folder, a non-ASCII name. */
function writeFolder(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    'manifest.json': Buffer.from(JSON.stringify({ layers: Array.from({ length: 50 }, (_, i) => ({ name: `conv${i}`, bits: 4 })) })),
    'weights/conv1.int8': Buffer.alloc(4096, 3),
    'weights/random.bin': crypto.randomBytes(3000),
    'empty.txt': Buffer.alloc(0),
    'classes-ü.txt': Buffer.from('zéro\nun\n'),
  };
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
  return files;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-zip-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the zip writer', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('writes a folder that Python zipfile and unzip read back byte for byte', () => {
    const dir = path.join(tmp, 'export');
    const files = writeFolder(dir);
    const archive = path.join(tmp, 'export.zip');
    fs.writeFileSync(archive, Buffer.concat([...zipChunks(zipEntriesOf(dir, 'run-1'))]));
    const read = pythonRead(archive);
    expect(read.bad).toBeNull();
    expect(read.entries).toEqual(Object.fromEntries(Object.entries(files).map(([name, data]) => [`run-1/${name}`, sha256(data)]).sort(([a], [b]) => (a < b ? -1 : 1))));
    if (fs.existsSync('/usr/bin/unzip')) expect(execFileSync('/usr/bin/unzip', ['-t', archive], { encoding: 'utf8' })).toMatch(/No errors detected/);
  });
});

describe('GET /api/export.zip in web mode', () => {
  let server: WebServer;
  const exported: { id: number; format: ExportFormat }[] = [];

  beforeAll(async () => {
    const renderer = path.join(tmp, 'renderer');
    fs.mkdirSync(renderer);
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Temper</title>');
    writeFolder(path.join(tmp, 'runs/3/export'));
    fs.writeFileSync(path.join(tmp, 'runs/3/model.onnx'), Buffer.alloc(500, 7));
    // The server's side of the contract: exportRun writes the run's export and says where.
    const api = {
      onEvent: () => () => undefined,
      exportRun: async (id: number, _out: string | null, format: ExportFormat) => {
        if (id !== 3) throw new Error(`run ${id} is running; only a completed run can be exported`);
        exported.push({ id, format });
        return { dir: path.join(tmp, 'runs/3', format === 'onnx' ? 'model.onnx' : 'export') };
      },
    } as unknown as ServedApi;
    server = await startWebServer(api, { rendererDir: renderer });
  });
  afterAll(async () => server?.close());

  const get = (query: string, headers: Record<string, string> = { Authorization: `Bearer ${server.token}` }, method = 'GET') =>
    fetch(`http://127.0.0.1:${server.port}/api/export.zip${query}`, { method, headers });

  it("exports the run and streams its folder as a zip named after it, saying where the folder is on the server", async () => {
    const reply = await get('?run=3&format=temper');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/zip');
    expect(reply.headers.get('content-disposition')).toBe('attachment; filename="temper-run-3-export.zip"');
    expect(decodeURIComponent(reply.headers.get('x-temper-export')!)).toBe(path.join(tmp, 'runs/3/export'));
    const archive = path.join(tmp, 'download.zip');
    fs.writeFileSync(archive, Buffer.from(await reply.arrayBuffer()));
    const read = pythonRead(archive);
    expect(read.bad).toBeNull();
    expect(Object.keys(read.entries)).toContain('temper-run-3-export/weights/conv1.int8');
    expect(exported.at(-1)).toEqual({ id: 3, format: 'temper' });
  });

  it('zips the one ONNX file for format=onnx, and takes the token from the query as a download link can', async () => {
    const reply = await get(`?run=3&format=onnx&token=${server.token}`, {});
    expect(reply.status).toBe(200);
    const archive = path.join(tmp, 'onnx.zip');
    fs.writeFileSync(archive, Buffer.from(await reply.arrayBuffer()));
    expect(pythonRead(archive).entries).toEqual({ 'temper-run-3-onnx/model.onnx': sha256(Buffer.alloc(500, 7)) });
  });

  it('refuses a missing token, another method, a bad run or format (naming it), and says why a run cannot be exported', async () => {
    expect((await get('?run=3', {})).status).toBe(401);
    expect((await get('?run=3', { Authorization: `Bearer ${server.token}` }, 'POST')).status).toBe(405);
    const bad = await get('?run=x1');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("run: expected a run id (a positive integer), got 'x1'");
    const format = await get('?run=3&format=tar');
    expect(((await format.json()) as { error: string }).error).toBe("format: expected temper or onnx, got 'tar'");
    const refused = await get('?run=4');
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: string }).error).toBe('run 4 is running; only a completed run can be exported');
  });
});
