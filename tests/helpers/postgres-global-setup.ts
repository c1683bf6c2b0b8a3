import { startPostgres } from './postgres';

/**
 * The "postgres" test project's one cluster: started once before its files run, stopped after the
 * last one. Its superuser URL reaches the test files through the environment of the workers, which
 * start after this setup (tests/helpers/postgres-backend.ts reads it).
 */
export const ADMIN_URL_VARIABLE = 'VIGIL_TEST_POSTGRES_ADMIN_URL';

export default async function setup(): Promise<() => Promise<void>> {
  const cluster = await startPostgres();
  process.env[ADMIN_URL_VARIABLE] = cluster.adminUrl;
  return () => cluster.stop();
}
