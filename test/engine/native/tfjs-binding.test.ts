import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BINDING_FILE, ensureTfjsBinding, expectedBindingPath, newestUsableNapi, shippedNapiVersions } from '../../../src-main/engine/native/tfjs-binding';

const made: string[] = [];

/** A tfjs-node install as its npm install leaves it: lib/napi-v<N>/tfjs_binding.node for each N given. */
function fakePackage(napiVersions: number[], name = 'tfjs-node'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-binding-'));
  made.push(root);
  const dir = path.join(root, 'node_modules', '@tensorflow', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `@tensorflow/${name}`, version: '4.22.0', binary: { module_name: 'tfjs_binding', module_path: './lib/napi-v{napi_build_version}', napi_versions: [3, 4, 5, 6, 7, 8] } }));
  for (const version of napiVersions) {
    fs.mkdirSync(path.join(dir, 'lib', `napi-v${version}`), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib', `napi-v${version}`, BINDING_FILE), `binding for N-API ${version}`);
  }
  return dir;
}

afterEach(() => {
  for (const root of made.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

describe('the tfjs-node binding resolver', () => {
  it('lists the N-API versions a package ships a binding for, ignoring empty folders', () => {
    const dir = fakePackage([8, 3, 5]);
    fs.mkdirSync(path.join(dir, 'lib', 'napi-v9'));
    expect(shippedNapiVersions(dir)).toEqual([3, 5, 8]);
    expect(shippedNapiVersions(path.join(dir, 'missing'))).toEqual([]);
  });

  it('picks the newest shipped binding the runtime can load: N-API is forward compatible', () => {
    expect(newestUsableNapi([3, 4, 5, 6, 7, 8], 10)).toBe(8);
    expect(newestUsableNapi([3, 4, 5, 6, 7, 8], 6)).toBe(6);
    expect(newestUsableNapi([9, 11], 8)).toBeUndefined();
  });

  it("puts Electron 41's N-API 10 path in place, linked to the napi-v8 binding", () => {
    const dir = fakePackage([3, 8]);
    const expected = path.join(dir, 'lib', 'napi-v10', BINDING_FILE);
    const resolution = ensureTfjsBinding(dir, { runtimeNapi: 10, expected });
    expect(resolution).toEqual({ binding: expected, linkedFrom: path.join(dir, 'lib', 'napi-v8') });
    expect(fs.readFileSync(expected, 'utf8')).toBe('binding for N-API 8');
    // Same depth as napi-v8: the binding's rpath $ORIGIN/../../deps/lib still finds libtensorflow.
    expect(fs.realpathSync(expected)).toBe(fs.realpathSync(path.join(dir, 'lib', 'napi-v8', BINDING_FILE)));
  });

  it('leaves a binding that is already where tfjs-node looks alone', () => {
    const dir = fakePackage([8]);
    const expected = path.join(dir, 'lib', 'napi-v8', BINDING_FILE);
    expect(ensureTfjsBinding(dir, { runtimeNapi: 10, expected })).toEqual({ binding: expected, linkedFrom: null });
  });

  it('links every file of the shipped folder (Windows keeps tensorflow.dll beside the binding)', () => {
    const dir = fakePackage([8]);
    fs.writeFileSync(path.join(dir, 'lib', 'napi-v8', 'tensorflow.dll'), 'dll');
    const expected = path.join(dir, 'lib', 'napi-v10', BINDING_FILE);
    ensureTfjsBinding(dir, { runtimeNapi: 10, expected });
    expect(fs.readdirSync(path.dirname(expected)).sort()).toEqual(['tensorflow.dll', BINDING_FILE]);
  });

  it('says what it found when no shipped binding fits the runtime', () => {
    const dir = fakePackage([9, 11]);
    expect(() => ensureTfjsBinding(dir, { runtimeNapi: 8, expected: path.join(dir, 'lib', 'napi-v8', BINDING_FILE) })).toThrow(
      `@tensorflow/tfjs-node has no ${BINDING_FILE} this runtime can load (N-API 8; found under lib/: napi-v9, napi-v11): reinstall it`,
    );
  });

  it('expects lib/napi-v<runtime N-API> when tfjs-node has no node-pre-gyp to ask', () => {
    const dir = fakePackage([8]);
    expect(expectedBindingPath(dir, 10)).toBe(path.join(dir, 'lib', 'napi-v10', BINDING_FILE));
  });
});
