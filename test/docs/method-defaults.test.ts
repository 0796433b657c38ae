import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSharpnessParams } from '../../src-main/engine/sharpness/params';
import { parseTrainConfig } from '../../shared/config';

/**
 * docs/method.md states its numbers in tables with a `value` and a `code name` column; every such
 * row is checked here against what the code uses. A code name is one of
 *   config: <path>        the default train config's field (model mlp, defaults elsewhere)
 *   adam: <path>          the same with optimizer.kind 'adam'
 *   sharpness: <path>     the default sharpness parameters' field
 *   <file.ts>: <NAME.path> an export of that file (dots index into it)
 *   <file.ts>: <fn>(args) an exported function called with JSON arguments
 * A decimal value is checked to the digits it is written with; an integer exactly.
 */

const root = path.resolve(__dirname, '../..');
const methodPath = path.join(root, 'docs/method.md');

interface Row {
  section: string;
  line: number;
  value: string;
  code: string;
}

/** Every row of every table whose header has a `value` and a `code name` column. */
function statedDefaults(markdown: string): Row[] {
  const rows: Row[] = [];
  let section = '(top)';
  let columns: { value: number; code: number } | null = null;
  // Split on the pipes that are not escaped (`\|` is a pipe inside a cell).
  const cells = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
  markdown.split('\n').forEach((text, index) => {
    if (/^#+ /.test(text)) section = text.replace(/^#+ /, '');
    if (!text.trim().startsWith('|')) {
      columns = null;
      return;
    }
    const parts = cells(text);
    if (columns === null) {
      const header = parts.map((c) => c.toLowerCase());
      const value = header.indexOf('value');
      const code = header.indexOf('code name');
      // A table without both columns is prose, not stated defaults: -1 marks it to skip.
      columns = value >= 0 && code >= 0 ? { value, code } : { value: -1, code: -1 };
      return;
    }
    if (columns.value < 0 || /^:?-+:?$/.test(parts[0])) return;
    rows.push({ section, line: index + 1, value: parts[columns.value], code: parts[columns.code].replace(/`/g, '') });
  });
  return rows;
}

function unquote(cell: string): string {
  return cell.replace(/`/g, '').trim();
}

/** The stated value: JSON (numbers, null, booleans, arrays), else the text itself. */
function parseStated(cell: string): unknown {
  const text = unquote(cell);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function significantDigits(literal: string): number {
  const mantissa = literal.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '');
  return Math.max(1, mantissa.length);
}

/** Whether the code's value matches the written one: decimals to their written digits. */
function matches(written: string, stated: unknown, actual: unknown): boolean {
  if (typeof stated === 'number' && typeof actual === 'number' && /[.e]/i.test(written)) {
    return Number(actual.toPrecision(significantDigits(written))) === stated;
  }
  return JSON.stringify(stated) === JSON.stringify(actual);
}

function at(value: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, key) => (v === null || v === undefined ? undefined : (v as Record<string, unknown>)[key]), value);
}

const sources: Record<string, () => unknown> = {
  config: () => parseTrainConfig({ model: 'mlp' }),
  adam: () => parseTrainConfig({ model: 'mlp', optimizer: { kind: 'adam' } }),
  sharpness: () => parseSharpnessParams({}),
};

async function codeValue(code: string): Promise<unknown> {
  const split = code.indexOf(':');
  if (split < 0) throw new Error(`code name '${code}' has no 'source: name' form`);
  const source = code.slice(0, split).trim();
  const name = code.slice(split + 1).trim();
  if (source in sources) return at(sources[source](), name);
  if (!source.endsWith('.ts') || !fs.existsSync(path.join(root, source))) throw new Error(`code name '${code}': no source '${source}'`);
  const module = (await import(path.join(root, source))) as Record<string, unknown>;
  const call = /^(\w+)\((.*)\)$/.exec(name);
  if (call) {
    const fn = module[call[1]];
    if (typeof fn !== 'function') throw new Error(`code name '${code}': ${source} exports no function ${call[1]}`);
    return (fn as (...args: unknown[]) => unknown)(...(JSON.parse(`[${call[2]}]`) as unknown[]));
  }
  const [head] = name.split('.');
  if (!(head in module)) throw new Error(`code name '${code}': ${source} exports no ${head}`);
  return at(module, name);
}

describe('docs/method.md', () => {
  const rows = statedDefaults(fs.readFileSync(methodPath, 'utf8'));

  it('states the defaults that matter for a result in checked tables', () => {
    const codes = rows.map((r) => r.code);
    const required = [
      'config: quant.temper.lambda0',
      'config: quant.temper.tau',
      'shared/temper-schedule.ts: TAU_RULE.ratio',
      'shared/temper-schedule.ts: TAU_RULE.at',
      'config: quant.firstLastBits',
      'config: quant.noise',
      'sharpness: images',
      'sharpness: hvp',
      'sharpness: trace.minIterations',
      'sharpness: trace.maxIterations',
      'sharpness: trace.relativeStderr',
      'src-main/engine/layers/batch-norm.ts: BN_MOMENTUM',
      'src-main/engine/micro-batch.ts: PROBE_ROWS',
    ];
    for (const code of required) expect(codes, `method.md has no row for ${code}`).toContain(code);
    expect(codes.some((c) => c.includes('lsqGradScale('))).toBe(true);
  });

  it.each(rows.map((r) => [`${r.section}, line ${r.line}: ${r.code}`, r] as const))('%s matches the code', async (_, row) => {
    const actual = await codeValue(row.code);
    const stated = parseStated(row.value);
    expect(matches(unquote(row.value), stated, actual), `method.md line ${row.line} states ${row.value} for ${row.code}; the code has ${JSON.stringify(actual)}`).toBe(true);
  });
});

describe('the stated-defaults reader', () => {
  const table = ['## 9. Example', '', '| quantity | value | code name |', '| --- | --- | --- |', '| a \\| b | 0.1086 | `config: quant.temper.tau` |', '| b | 4 | `config: quant.bits` |', '', '| other | table |', '| --- | --- |', '| x | y |'].join('\n');

  it('reads only tables with value and code name columns', () => {
    expect(statedDefaults(table)).toEqual([
      { section: '9. Example', line: 5, value: '0.1086', code: 'config: quant.temper.tau' },
      { section: '9. Example', line: 6, value: '4', code: 'config: quant.bits' },
    ]);
  });

  it('checks decimals to their written digits and integers exactly', async () => {
    expect(matches('0.1086', 0.1086, 0.75 / Math.log(1000))).toBe(true);
    expect(matches('0.109', 0.109, 0.75 / Math.log(1000))).toBe(true);
    expect(matches('0.1085', 0.1085, 0.75 / Math.log(1000))).toBe(false);
    expect(matches('200', 200, 210)).toBe(false);
    expect(matches('1e-3', 0.001, 1e-3)).toBe(true);
    expect(matches('[4, 8]', [4, 8], [4, 8])).toBe(true);
    expect(matches('uniform', 'uniform', 'gaussian')).toBe(false);
    await expect(codeValue('shared/temper-schedule.ts: NO_SUCH')).rejects.toThrow(/exports no NO_SUCH/);
  });
});
