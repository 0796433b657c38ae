// Prints where oneDNN's headers or library are: DNNL_ROOT, else the usual system and Homebrew prefixes.
import fs from 'node:fs';
import path from 'node:path';
const what = process.argv[2] === 'lib' ? 'lib' : 'include';
const roots = [process.env.DNNL_ROOT, '/usr', '/usr/local', '/opt/homebrew', '/opt/homebrew/opt/onednn', '/usr/local/opt/onednn'].filter(Boolean);
const libDirs = (root) => [path.join(root, 'lib', 'x86_64-linux-gnu'), path.join(root, 'lib', 'aarch64-linux-gnu'), path.join(root, 'lib64'), path.join(root, 'lib')];
for (const root of roots) {
  if (!fs.existsSync(path.join(root, 'include', 'oneapi', 'dnnl', 'dnnl.hpp'))) continue;
  if (what === 'include') {
    process.stdout.write(path.join(root, 'include'));
    process.exit(0);
  }
  const dir = libDirs(root).filter((d) => fs.existsSync(d)).find((d) => fs.readdirSync(d, { withFileTypes: true, recursive: false }).some((f) => /^libdnnl\.(so|dylib)/.test(f.name)));
  if (dir) {
    process.stdout.write(dir);
    process.exit(0);
  }
}
process.stderr.write('oneDNN not found (no include/oneapi/dnnl/dnnl.hpp under DNNL_ROOT, /usr, /usr/local or Homebrew)\n');
process.exit(1);
