import fs from 'node:fs';
import path from 'node:path';
import { BYTES_PER_ELEMENT, type ExportManifest, MANIFEST_FILE, parseManifest, type TensorRef } from './export-manifest';

export type TensorData = Float32Array | Int8Array | Int16Array;

/** An export read back: its checked manifest and every tensor file by name. */
export interface LoadedExport {
  dir: string;
  manifest: ExportManifest;
  tensors: Map<string, TensorData>;
}

/** Every tensor file model.json refers to, with the field that names it (for error messages). */
function tensorRefs(manifest: ExportManifest): { field: string; ref: TensorRef }[] {
  const refs: { field: string; ref: TensorRef }[] = [];
  for (const [name, layer] of Object.entries(manifest.layers)) {
    const { weight } = layer;
    refs.push(weight.quantized ? { field: `layers['${name}'].weight.codes`, ref: weight.codes } : { field: `layers['${name}'].weight.values`, ref: weight.values });
    if (layer.bias) refs.push({ field: `layers['${name}'].bias`, ref: layer.bias });
  }
  for (const [name, bn] of Object.entries(manifest.batchNorms)) {
    for (const key of ['gamma', 'beta', 'mean', 'variance'] as const) refs.push({ field: `batchNorms['${name}'].${key}`, ref: bn[key] });
  }
  return refs;
}

function readTensor(dir: string, { field, ref }: { field: string; ref: TensorRef }): TensorData {
  const file = path.join(dir, ref.file);
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (${MANIFEST_FILE} lists it at ${field})`);
  const elements = ref.shape.reduce((n, d) => n * d, 1);
  const expected = elements * BYTES_PER_ELEMENT[ref.dtype];
  const bytes = fs.readFileSync(file);
  if (bytes.length !== expected) {
    throw new Error(`${file}: ${bytes.length} bytes, expected ${expected} for ${ref.dtype} [${ref.shape}] (${field}); the file is truncated or corrupt`);
  }
  // A copy, so the typed array starts on an aligned offset of its own buffer.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  return ref.dtype === 'float32' ? new Float32Array(buffer) : ref.dtype === 'int8' ? new Int8Array(buffer) : new Int16Array(buffer);
}

function checkCodes(dir: string, manifest: ExportManifest, tensors: Map<string, TensorData>): void {
  for (const layer of Object.values(manifest.layers)) {
    const { weight } = layer;
    if (!weight.quantized) continue;
    const codes = tensors.get(weight.codes.file)!;
    const bad = codes.findIndex((c) => c < -weight.qn || c > weight.qp);
    if (bad >= 0) throw new Error(`${path.join(dir, weight.codes.file)}: code ${codes[bad]} at index ${bad} is outside [${-weight.qn}, ${weight.qp}] for ${weight.bits} bits`);
  }
}

function checkFloats(dir: string, tensors: Map<string, TensorData>): void {
  for (const [file, values] of tensors) {
    if (!(values instanceof Float32Array)) continue;
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${path.join(dir, file)}: non-finite value ${values[bad]} at index ${bad}`);
  }
}

/** Reads an export folder and checks model.json, every file's size and the codes' range; errors name the file. */
export function loadExport(dir: string): LoadedExport {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`Export ${dir}: no such folder`);
  const manifestPath = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(manifestPath)) throw new Error(`${manifestPath}: missing (not an export folder)`);
  const manifest = parseManifest(fs.readFileSync(manifestPath, 'utf8'), manifestPath);
  const tensors = new Map<string, TensorData>();
  for (const entry of tensorRefs(manifest)) {
    if (tensors.has(entry.ref.file)) throw new Error(`${manifestPath}: file '${entry.ref.file}' is listed twice (again at ${entry.field})`);
    tensors.set(entry.ref.file, readTensor(dir, entry));
  }
  checkCodes(dir, manifest, tensors);
  checkFloats(dir, tensors);
  return { dir, manifest, tensors };
}
