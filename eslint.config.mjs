// Lint rules, including the dependency direction of ../ARCHITECTURE: the protocol core (src/scim) knows
// nothing of HTTP or databases, stores know nothing of HTTP, and services never reach a concrete store.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const httpModules = ['express', 'express/*', 'passport', 'passport-*', 'supertest'];
const dbModules = ['mongodb', 'mongodb/*', 'better-sqlite3', 'sqlite3', 'mingo'];

const ban = (groups, message) => bans([groups, message]);
/** Several bans on one set of files: ESLint keeps only the last `no-restricted-imports` setting per file. */
const bans = (...rules) => ({
  'no-restricted-imports': ['error', { patterns: rules.flatMap(([groups, message]) => groups.map((group) => ({ group: [group], message }))) }],
});
const storeBans = [[...httpModules, '**/http/**', '**/resources/**', '**/auth/**'], 'Stores know nothing of HTTP, services or authorisation.'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a union type instead of enum.' }],
    },
  },
  {
    files: ['src/scim/**/*.ts'],
    rules: {
      ...ban([...httpModules, ...dbModules], 'src/scim is the protocol core: no HTTP framework or database here.'),
      'no-restricted-globals': ['error', { name: 'process', message: 'src/scim must not read process state; take it as a parameter.' }],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: bans(storeBans),
  },
  {
    // The two stores share only the neutral modules (src/store/model, the ports): neither imports the other.
    files: ['src/store/mongo/**/*.ts'],
    rules: bans(storeBans, [['**/sqlite/**', 'better-sqlite3', 'sqlite3'], 'The MongoDB store imports nothing of the SQLite store; shared code lives in src/store/model.']),
  },
  {
    files: ['src/store/sqlite/**/*.ts'],
    rules: bans(storeBans, [['**/mongo/**', 'mongodb', 'mongodb/*', 'mingo'], 'The SQLite store imports nothing of the MongoDB store; shared code lives in src/store/model.']),
  },
  {
    files: ['src/store/model/**/*.ts'],
    rules: bans(storeBans, [[...dbModules, '**/sqlite/**', '**/mongo/**'], 'src/store/model is shared by both stores: no database here.']),
  },
  {
    files: ['src/resources/**/*.ts', 'src/extensions/**/*.ts', 'src/settings/**/*.ts', 'src/jobs/**/*.ts', 'src/limits/**/*.ts', 'src/idempotency/**/*.ts', 'src/metrics/**/*.ts'],
    rules: ban(
      [...dbModules, '**/store/sqlite/**', '**/store/mongo/**', '**/http/**', '**/auth/passport-*'],
      'Services use the store port and the RequestContext, never a concrete store, HTTP or the passport adapter.',
    ),
  },
  {
    files: ['src/auth/**/*.ts'],
    rules: ban([...dbModules, '**/store/sqlite/**', '**/store/mongo/**', '**/http/**'], 'Auth uses the store port, never a concrete store or HTTP.'),
  },
  {
    files: ['src/auth/passport-*.ts'],
    rules: ban([...dbModules, '**/store/sqlite/**', '**/store/mongo/**'], 'Auth adapters use the store port.'),
  },
  {
    files: ['src/http/**/*.ts'],
    rules: ban([...dbModules, '**/store/sqlite/**', '**/store/mongo/**'], 'HTTP uses services, never a store.'),
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/admin/**', 'src/migrate/cli.ts'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/main.ts (and the admin CLI) read process.env; pass config in.' }] },
  },
);
