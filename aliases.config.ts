import { resolve } from 'node:path';
import type { Plugin } from 'vite';

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

const realBackend = resolve(here, 'electron/core/backend.ts');
const backendShim = resolve(here, 'tests/helpers/postgres-backend.ts');

/**
 * The same shim for the relative imports of the backend module inside electron/core (run-cli.ts's
 * `../backend`, which the in-process `vigil` of tests/helpers/cli.ts opens data dirs with): without it
 * the CLI would open a data dir that the shim put on PostgreSQL against its SQLite file and refuse.
 * The shim's own import of the real module is left alone.
 */
export function postgresBackendShim(): Plugin {
  return {
    name: 'vigil-postgres-backend-shim',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (importer === undefined || importer === backendShim || !/(^|\/)backend$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === realBackend ? backendShim : null;
    },
  };
}
