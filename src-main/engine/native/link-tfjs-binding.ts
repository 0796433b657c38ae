/**
 * Install-time step for a runtime other than the installing Node (e.g. packaging for Electron 41,
 * N-API 10, where the app folder may be read-only at run time): links the newest shipped tfjs-node
 * binding into lib/napi-v<target>/ of each installed tfjs-node package.
 *   npx tsx src-main/engine/native/link-tfjs-binding.ts [--napi 10]
 * At run time backend.ts does the same for the running process before it imports tfjs-node.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BINDING_FILE, ensureTfjsBinding, installedPackageDir, runtimeNapiVersion, TFJS_NATIVE_PACKAGES } from './tfjs-binding';

const { values } = parseArgs({ options: { napi: { type: 'string' } } });
const runtimeNapi = values.napi === undefined ? runtimeNapiVersion() : Number(values.napi);
if (!Number.isInteger(runtimeNapi) || runtimeNapi < 1) throw new Error(`--napi must be a positive integer, got '${values.napi}'`);

for (const name of TFJS_NATIVE_PACKAGES) {
  const dir = installedPackageDir(name);
  if (dir === null) {
    console.log(`${name}: not installed`);
    continue;
  }
  const expected = path.join(dir, 'lib', `napi-v${runtimeNapi}`, BINDING_FILE);
  const { linkedFrom } = ensureTfjsBinding(dir, { runtimeNapi, expected });
  console.log(`${name}: ${linkedFrom ? `linked ${path.relative(dir, expected)} to ${path.relative(dir, linkedFrom)}` : `${path.relative(dir, expected)} present`}`);
}
