import { defineConfig } from 'vitest/config';
import { aliases, postgresAliases, postgresBackendShim } from './aliases.config.ts';
import { POSTGRES_SUITES } from './tests/helpers/postgres-suites.ts';

// Four projects so that CI and developers can run each layer alone; `npm test` runs all of them.
// "postgres" runs chosen integration files unchanged against PostgreSQL: `@core/backend` resolves to a
// shim that puts each data dir on its own database of one cluster (tests/helpers/postgres-backend.ts).
export default defineConfig({
  resolve: { alias: aliases },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Chromium and the RFC 3161 server are heavy on a 2-core machine: one file at a time.
          fileParallelism: false,
        },
      },
      {
        resolve: { alias: [...postgresAliases] },
        plugins: [postgresBackendShim()],
        test: {
          name: 'postgres',
          include: [...POSTGRES_SUITES],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ['tests/helpers/postgres-global-setup.ts'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
