import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations.
import { checkStructure } from '../../scripts/check-structure.mjs';

/** Lints `text` as if it were the file at `path` (relative to the repository root). */
async function lintAs(path: string, text: string): Promise<string[]> {
  const [result] = await new ESLint().lintText(text, { filePath: path });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer rules', () => {
  it.each([
    ['src-main/store/planted.ts', "import { train } from '../engine/train';\nexport const x = train;\n", 'store/'],
    ['src-main/data/planted.ts', "import { train } from '../engine/train';\nexport const x = train;\n", 'data/'],
    ['src-main/engine/planted.ts', "import { RunService } from '../services/runs';\nexport const x = RunService;\n", 'engine/'],
    ['src-main/trainer/planted.ts', "import { SqliteStore } from '../store/store';\nexport const x = SqliteStore;\n", 'trainer/'],
    ['src-main/services/planted.ts', "import { main } from '../cli/main';\nexport const x = main;\n", 'services/'],
    ['src-main/services/planted.ts', "import { app } from 'electron';\nexport const x = app;\n", 'Electron'],
    ['shared/planted.ts', "import { Rng } from '../src-main/data/batches';\nexport const x = Rng;\n", 'shared/'],
    ['src-renderer/lib/planted.ts', "import { x as y } from '../../src-main/engine/train';\nexport const x = y;\n", 'renderer'],
  ])('rejects a planted import in %s', async (path, text, named) => {
    const messages = await lintAs(path, text);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('no-restricted-imports');
    expect(messages[0]).toContain(named);
  });

  it('lets each layer import the ones below it', async () => {
    expect(await lintAs('src-main/engine/planted.ts', "import { Rng } from '../../shared/rng';\nimport { checkImageSet } from '../data/batches';\nexport const x = [Rng, checkImageSet];\n")).toEqual([]);
    expect(await lintAs('src-main/services/planted.ts', "import { SqliteStore } from '../store/store';\nexport const x = SqliteStore;\n")).toEqual([]);
  });
});

describe('structure check', () => {
  it('finds an import cycle and a function over 80 lines', () => {
    const findings: string[] = checkStructure(['test/structure/fixtures']);
    expect(findings.some((f) => f.startsWith('import cycle:') && f.includes('cycle/a.ts') && f.includes('cycle/b.ts'))).toBe(true);
    expect(findings).toContainEqual(expect.stringMatching(/long-function\.ts:2: function long has 81 lines/));
    expect(findings).toHaveLength(2);
  });
});
