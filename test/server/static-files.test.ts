import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileInside } from '../../src-main/server/static-files';

let tmp: string;
let root: string;
beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'temper-static-')));
  root = path.join(tmp, 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), '');
  // A sibling whose name starts with the root's: a plain prefix check would let it through.
  fs.mkdirSync(path.join(tmp, 'renderer-private'));
  fs.writeFileSync(path.join(tmp, 'renderer-private', 'key.txt'), 'secret');
  fs.symlinkSync(path.join(tmp, 'renderer-private'), path.join(root, 'linked'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('fileInside', () => {
  it('maps / and /index.html to the index, and paths to files under the root', async () => {
    expect(await fileInside(root, '/')).toBe(path.join(root, 'index.html'));
    expect(await fileInside(root, '/index.html')).toBe(path.join(root, 'index.html'));
    expect(await fileInside(root, '/assets/app.js')).toBe(path.join(root, 'assets', 'app.js'));
    expect(await fileInside(root, '/assets/%61pp.js')).toBe(path.join(root, 'assets', 'app.js'));
  });

  it('finds nothing outside the root: .., encoded .., a sibling with the same prefix, symlinks out', async () => {
    for (const pathname of ['/../renderer-private/key.txt', '/..%2frenderer-private%2fkey.txt', '/assets/..%2F..%2Frenderer-private/key.txt', '/linked/key.txt', `/${'..%2f'.repeat(20)}etc/passwd`]) {
      expect(await fileInside(root, pathname), pathname).toBeNull();
    }
  });

  it('finds nothing for folders, missing files, NULs and broken escapes', async () => {
    for (const pathname of ['/assets', '/assets/', '/nope.js', '/index.html%00', '/%zz']) {
      expect(await fileInside(root, pathname), pathname).toBeNull();
    }
  });
});
