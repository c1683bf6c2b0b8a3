// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeModules = [
  'fs',
  'fs/promises',
  'path',
  'crypto',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'stream',
  'url',
  'util',
  'zlib',
  'events',
];

/**
 * Import boundaries of DESIGN §2: each side may only reach what runs where it runs. `names` are exact
 * module names (so a local './events' is not mistaken for Node's 'events'); `patterns` are globs.
 */
const boundary = (names, patterns, message) => ({
  'no-restricted-imports': [
    'error',
    { paths: names.map((name) => ({ name, message })), patterns: [{ group: patterns, message }] },
  ],
});

const noEnum = {
  selector: 'TSEnumDeclaration',
  message: 'Use string-literal unions, not enum (DESIGN §12).',
};

/**
 * SQL lives only in electron/core/db/ (repositories, migrations): a string that starts like a statement
 * or holds a statement's skeleton is refused anywhere else. Keywords count only in capitals, as every
 * statement here is written, so that prose ("Select a user", "update the settings") never trips it.
 */
const SQL = [
  String.raw`^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WITH|REPLACE)\s`,
  String.raw`^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|ANALYZE)(\s|;|$)`,
  String.raw`\b(SELECT\s[\s\S]*\sFROM|INSERT (OR \w+ )?INTO|DELETE FROM|UPDATE \w+ SET)\s`,
].join('|');
const noSql = {
  selector: `:matches(Literal[value=/${SQL}/], TemplateElement[value.raw=/${SQL}/])`,
  message: 'SQL belongs in electron/core/db/repositories/ (one file per table): call a repository function.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'tests/output/**',
      'bench/output/**',
      'resources/**',
      'tests/fixtures/**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs', 'bench/*.mjs', '.ci/*.mjs'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noEnum, noSql],
    },
  },
  {
    // The database layer is where SQL belongs; tests and benchmarks set up and inspect rows directly.
    files: ['electron/core/db/**', 'tests/**', 'bench/**'],
    rules: { 'no-restricted-syntax': ['error', noEnum] },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.stringMatching…) are typed `any`.
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['shared/**/*.ts'],
    rules: boundary(
      [...nodeModules, 'electron', 'react', 'react-dom', 'sqlite3', 'puppeteer-core'],
      [
        'node:*',
        '@mui/*',
        '@emotion/*',
        '**/electron/**',
        '**/renderer/**',
        '@core/*',
        '@main/*',
        '@renderer/*',
        '@tests/*',
      ],
      'shared/ is pure TypeScript for every side: no Node, DOM, React or backend imports.',
    ),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...boundary(
        [...nodeModules, 'electron', 'sqlite3', 'puppeteer-core'],
        ['node:*', '**/electron/**', '@core/*', '@main/*', '@tests/*'],
        'The renderer runs in a sandboxed page: no Node, Electron, SQLite or browser-automation imports.',
      ),
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: boundary(
      ['electron', 'react', 'react-dom'],
      [
        '@mui/*',
        '@emotion/*',
        '**/renderer/**',
        '**/electron/main/**',
        '**/electron/preload/**',
        '@renderer/*',
        '@main/*',
        '@tests/*',
      ],
      'electron/core is a plain Node library: it never imports Electron, React or the UI.',
    ),
  },
);
