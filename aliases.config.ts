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
