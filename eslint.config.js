import tseslint from 'typescript-eslint';

/**
 * Layer rules (design.md; the README's Code map): imports only point down.
 *   shared/                       bottom: records, config schema, rng; used by main and renderer
 *   data/ → (nothing above)       engine/ may use data/, never the other way
 *   store/ | trainer/             beside each other; the trainer uses engine and data, never the store
 *   services/                     the app; no Electron
 *   cli/ · server/ · shell/ · main.ts   thin front ends
 *   src-renderer/                 shared/ only
 */
const folder = (name) => `**/${name}/**`;
/** src-main/main.ts and preload.ts, reached as ../main, ../../main, … from any folder below src-main. */
const SHELL_ENTRIES = ['main', 'preload'].flatMap((name) => ['..', '../..', '../../..'].map((up) => `${up}/${name}`));
const TOP = [folder('cli'), folder('server'), folder('shell'), ...SHELL_ENTRIES];
const ban = (groups, message) => ({ group: groups, message });

// Only the store touches SQLite, and only the shell touches Electron.
const noNative = ban(['electron', 'better-sqlite3'], 'Only store/ uses SQLite and only the shell uses Electron (design.md).');

const layers = {
  'shared/**/*.ts': [
    ban(['**/src-main/**', '**/src-renderer/**'], 'shared/ is the bottom layer: it imports nothing of src-main or the renderer.'),
    ban(['electron', 'better-sqlite3', 'node:*'], 'shared/ also runs in the renderer: no Node or Electron modules.'),
  ],
  'src-main/data/**/*.ts': [ban([folder('engine'), folder('store'), folder('trainer'), folder('services'), ...TOP], 'data/ sits below engine/ and every layer above it.'), noNative],
  'src-main/engine/**/*.ts': [ban([folder('store'), folder('trainer'), folder('services'), ...TOP], 'engine/ must not import the layers above it.'), noNative],
  'src-main/store/**/*.ts': [ban([folder('engine'), folder('trainer'), folder('services'), ...TOP], 'store/ holds records from shared/; it never reaches for the engine, the trainer or the services.')],
  'src-main/trainer/**/*.ts': [ban([folder('store'), folder('services'), ...TOP], 'trainer/ may use engine/ and data/, never the store or the layers above.'), noNative],
  'src-main/services/**/*.ts': [ban(TOP, 'services/ never imports the CLI, the server or the Electron shell.'), noNative],
  'src-main/server/**/*.ts': [ban([folder('cli'), folder('shell'), ...SHELL_ENTRIES], 'server/ is a transport beside the CLI and the shell, not on top of them.')],
  'src-main/cli/**/*.ts': [ban([folder('shell'), ...SHELL_ENTRIES], 'cli/ never imports the Electron shell.')],
  'src-renderer/**/*.ts': [ban(['**/src-main/**', 'electron', 'node:*', 'better-sqlite3'], 'The renderer imports shared/ only (TemperApi).')],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'bench/results/', '.temper/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...Object.entries(layers).map(([files, patterns]) => ({
    files: [files],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  })),
);
