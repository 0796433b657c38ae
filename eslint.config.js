import tseslint from 'typescript-eslint';

/** Layer rules (design.md): the engine and data layers never reach for storage, IPC or Electron. */
const lowerLayerBans = {
  patterns: [
    { group: ['electron', 'better-sqlite3'], message: 'engine/ and data/ know nothing of Electron or SQLite (design.md).' },
    { group: ['**/services/**', '**/store/**', '**/trainer/**', '**/server/**', '**/cli/**'], message: 'engine/ and data/ must not import the layers above them.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'bench/results/', '.temper/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src-main/engine/**/*.ts', 'src-main/data/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', lowerLayerBans] },
  },
  {
    files: ['src-main/services/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'services/ never imports Electron (design.md).' }] }] },
  },
);
