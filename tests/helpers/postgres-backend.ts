import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import * as real from '../../electron/core/backend';
import { ADMIN_URL_VARIABLE } from './postgres-global-setup';

/**
 * `@core/backend` in the "postgres" test project (vitest.config.ts): the real backend module, with
 * `createBackend` putting every new data dir on its own fresh database of the project's one cluster.
 * The integration suites run unchanged against PostgreSQL this way. A data dir reopened finds its
 * database again through its marker, which names the database it was initialised against; a data dir
 * that already holds a SQLite file (made by a CLI process, say) stays on it.
 */
export * from '../../electron/core/backend';

const known = new Map<string, string>();

function markedDatabase(dataDir: string): string | null | undefined {
  const marker = join(dataDir, 'vigil-data.json');
  if (!existsSync(marker)) return existsSync(join(dataDir, 'vigil.db')) ? null : undefined;
  try {
    const parsed = JSON.parse(readFileSync(marker, 'utf8')) as { database?: unknown };
    return typeof parsed.database === 'string' ? parsed.database : null;
  } catch {
    // A damaged marker is the backend's to report.
    return null;
  }
}

async function freshDatabase(): Promise<string> {
  const given = process.env[ADMIN_URL_VARIABLE];
  if (given === undefined)
    throw new Error(`${ADMIN_URL_VARIABLE} is not set: run this file in the "postgres" project`);
  const admin = new URL(given);
  const name = `vigil_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  admin.pathname = `/${name}`;
  return admin.toString();
}

/** The database for a data dir: its own from before, none (its SQLite file), or a new one. */
async function databaseFor(dataDir: string): Promise<string | undefined> {
  const marked = markedDatabase(dataDir);
  if (marked === null) return known.get(dataDir);
  if (marked !== undefined) return marked;
  const url = known.get(dataDir) ?? (await freshDatabase());
  known.set(dataDir, url);
  return url;
}

export async function createBackend(opts: real.BackendOptions): Promise<real.Backend> {
  if (opts.database !== undefined) return real.createBackend(opts);
  const database = await databaseFor(opts.dataDir);
  return real.createBackend(database === undefined ? opts : { ...opts, database });
}
