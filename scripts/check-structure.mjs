#!/usr/bin/env node
/**
 * Structure checks ESLint does not make: no import cycles among our modules, no source file over
 * MAX_FILE_LINES lines, no function over MAX_FUNCTION_LINES lines, and no renderer file (Svelte
 * included, which ESLint does not read here) importing anything but the renderer and shared/.
 * Exits 1 with one line per finding.
 * Usage: node scripts/check-structure.mjs [root folder…] (default: src-main shared src-renderer).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;
const SOURCE = /\.(ts|svelte)$/;

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : listFiles(path);
    return SOURCE.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The script part of a Svelte file, or the whole text of a .ts file. */
function scriptOf(path, text) {
  if (!path.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

function resolveImport(from, spec, known) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')]) {
    if (known.has(candidate)) return candidate;
  }
  return null;
}

function functionFindings(path, source) {
  const findings = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.end).line;
      if (end - start + 1 > MAX_FUNCTION_LINES) {
        const name = node.name?.getText(source) ?? '(anonymous)';
        findings.push(`${path}:${start + 1}: function ${name} has ${end - start + 1} lines (at most ${MAX_FUNCTION_LINES})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** Every cycle once, as the list of files from its smallest member round to it again. */
function findCycles(graph) {
  const cycles = new Map();
  const state = new Map();
  const stack = [];
  const visit = (file) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const first = cycle.indexOf([...cycle].sort()[0]);
        const key = [...cycle.slice(first), ...cycle.slice(0, first)].join(' → ');
        cycles.set(key, true);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  [...graph.keys()].forEach((file) => state.has(file) || visit(file));
  return [...cycles.keys()];
}

export function checkStructure(roots, cwd = process.cwd()) {
  const files = roots.flatMap((root) => listFiles(resolve(cwd, root)));
  const known = new Set(files);
  const graph = new Map();
  const findings = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(cwd, file);
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_FILE_LINES) findings.push(`${rel}: ${lines} lines (at most ${MAX_FILE_LINES})`);
    const source = ts.createSourceFile(file, scriptOf(file, text), ts.ScriptTarget.Latest, true);
    findings.push(...functionFindings(rel, source));
    const imports = [];
    source.forEachChild((node) => {
      if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) || !node.moduleSpecifier) return;
      const spec = node.moduleSpecifier.text;
      if (rel.startsWith('src-renderer/') && spec.startsWith('.') && !/^(src-renderer|shared)\//.test(relative(cwd, resolve(dirname(file), spec)))) {
        findings.push(`${rel}: imports ${spec}; the renderer imports shared/ only`);
      }
      // Type-only imports vanish at run time, so they cannot make a load-order cycle.
      const typeOnly = ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly : node.isTypeOnly;
      const target = typeOnly ? null : resolveImport(file, spec, known);
      if (target) imports.push(target);
    });
    graph.set(file, imports);
  }
  for (const cycle of findCycles(graph)) findings.push(`import cycle: ${cycle.split(' → ').map((f) => relative(cwd, f)).join(' → ')}`);
  return findings;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const roots = process.argv.slice(2);
  const findings = checkStructure(roots.length > 0 ? roots : ['src-main', 'shared', 'src-renderer']);
  findings.forEach((line) => console.error(line));
  if (findings.length > 0) {
    console.error(`check-structure: ${findings.length} finding(s)`);
    process.exit(1);
  }
  console.log('check-structure: no cycles, files and functions within their limits');
}
