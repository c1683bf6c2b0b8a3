import { resolve } from 'node:path';

/**
 * The import aliases of tsconfig.base.json `paths`, for the bundlers (electron-vite, vite, vitest).
 * One table so that the type checker and every build resolve `@shared/…` to the same folder.
 */
const here = import.meta.dirname;
export const aliases = {
  '@shared': resolve(here, 'shared'),
  '@core': resolve(here, 'electron/core'),
  '@main': resolve(here, 'electron/main'),
  '@renderer': resolve(here, 'renderer/src'),
  '@tests': resolve(here, 'tests'),
} as const;

/**
 * The "postgres" test project's aliases: `@core/backend` exactly (a regex, so `@core/backend-…` and
 * `@core/…` are untouched) is the test shim that gives each data dir its own PostgreSQL database; it
 * comes first because the first matching alias wins. Everything else resolves as above.
 */
export const postgresAliases: readonly Readonly<{ find: string | RegExp; replacement: string }>[] = [
  { find: /^@core\/backend$/, replacement: resolve(here, 'tests/helpers/postgres-backend.ts') },
  ...Object.entries(aliases).map(([find, replacement]) => ({ find, replacement })),
];
