// Team mode on PostgreSQL (a throwaway cluster of the distribution's server on a loopback port):
// 1. Custody appends from 8 concurrent writers, each its own connection as a separate server process
//    would have, against 1 writer appending the same number of rows: rows/s and the ratio; then
//    `verifyAudit` over all of them (one chain, intact).
// 2. The resource list's first page (the query the Resources screen runs) over 1,000,000 resources
//    (BENCH_TEAM_RESOURCES) in PostgreSQL, against the same query over the same rows in SQLite:
//    median ms of 9 after a warm-up. Target ≤ 200 ms.
// Rows are generated in SQL (generate_series / a recursive CTE), not through the services.
// Printed, not asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendAudit, verifyAudit } from '../electron/core/custody/audit-log';
import { openDatabase, type Database } from '../electron/core/db/database';
import { migrate } from '../electron/core/db/migrate';
import { MIGRATIONS } from '../electron/core/db/migrations/index';
import { openPostgresDatabase } from '../electron/core/db/postgres-database';
import { listResources } from '../electron/core/db/repositories/resources-repo';
import { startPostgres } from '../tests/helpers/postgres';

const APPENDS = Number(process.env.BENCH_TEAM_APPENDS ?? 10_000);
const WRITERS = 8;
const RESOURCES = Number(process.env.BENCH_TEAM_RESOURCES ?? 1_000_000);
const clock = () => new Date();

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, value };
}

async function medianMs(fn: () => Promise<unknown>, runs = 9): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(fn)).ms);
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] ?? Number.NaN;
}

async function migrated(db: Database, dir: string): Promise<Database> {
  await migrate(db, MIGRATIONS, { backupDir: dir, clock });
  return db;
}

/** `count` appends, each its own write transaction (as each custody event of a service is). */
async function appendMany(db: Database, writer: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await db.write((tx) =>
      appendAudit(tx, clock, {
        actor: `writer-${writer}`,
        action: 'bench.append',
        subject: `bench:${writer}:${i}`,
      }),
    );
  }
}

async function appendRate(urls: readonly string[], writers: number, total: number): Promise<number> {
  const dbs = await Promise.all(urls.slice(0, writers).map((u) => openPostgresDatabase(u)));
  try {
    const per = Math.ceil(total / writers);
    const { ms } = await timed(() => Promise.all(dbs.map((db, w) => appendMany(db, w, per))));
    return (per * writers) / (ms / 1000);
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
  }
}

const RESOURCE_COLUMNS =
  'id, url, display_url, host, state, categories, report_count, capture_count, created_at, updated_at';

/** One statement per engine: the same rows (ids, hosts, states, times) from a number series. */
function generateResourcesSql(engine: 'sqlite' | 'postgres', n: number): string {
  const pad = (x: string) => (engine === 'postgres' ? `lpad(${x}::text, 8, '0')` : `printf('%08d', ${x})`);
  const at = (x: string) =>
    engine === 'postgres'
      ? `to_char(timestamp '2026-01-01' + (${x} || ' seconds')::interval, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"')`
      : `strftime('%Y-%m-%dT%H:%M:%S.000Z', '2026-01-01', '+' || ${x} || ' seconds')`;
  const rows = `SELECT 'res_' || ${pad('g')}, 'https://h' || (g % 5000) || '.example/p/' || g,
      'https://h' || (g % 5000) || '.example/p/' || g, 'h' || (g % 5000) || '.example',
      CASE g % 4 WHEN 0 THEN 'reported' WHEN 1 THEN 'captured' WHEN 2 THEN 'in_review' ELSE 'approved' END,
      '["drugs"]', 1, 0, ${at('g')}, ${at('g')}`;
  return engine === 'postgres'
    ? `INSERT INTO resources (${RESOURCE_COLUMNS}) ${rows} FROM generate_series(1, ${n}) AS g`
    : `WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ${n})
       INSERT INTO resources (${RESOURCE_COLUMNS}) ${rows} FROM s`;
}

const firstPage = (db: Database) =>
  db.read((c) => listResources(c, { sort: 'updatedAt', direction: 'desc', limit: 50, offset: 0 }));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-team-'));
  const cluster = await startPostgres();
  try {
    const urls = await Promise.all(Array.from({ length: 2 }, () => cluster.createDatabase()));
    const [oneUrl = '', manyUrl = ''] = urls;
    for (const url of urls) await (await migrated(await openPostgresDatabase(url), dir)).close();
    const single = await appendRate([oneUrl], 1, APPENDS);
    const many = await appendRate(
      Array.from({ length: WRITERS }, () => manyUrl),
      WRITERS,
      APPENDS,
    );
    const check = await openPostgresDatabase(manyUrl);
    const verified = await check.read((c) => verifyAudit(c, null));
    await check.close();
    console.log(`custody appends, 1 writer: ${single.toFixed(0)} rows/s`);
    console.log(
      `custody appends, ${WRITERS} concurrent writers: ${many.toFixed(0)} rows/s (ratio ${(many / single).toFixed(2)}); audit verify after ${APPENDS}: ${verified.ok ? 'intact' : 'BROKEN'}`,
    );

    const pg = await migrated(await openPostgresDatabase(await cluster.createDatabase()), dir);
    const lite = await migrated(await openDatabase(join(dir, 'vigil.db')), dir);
    const genPg = await timed(() => pg.write((tx) => tx.exec(generateResourcesSql('postgres', RESOURCES))));
    await pg.raw.exec('ANALYZE resources');
    const genLite = await timed(() => lite.write((tx) => tx.exec(generateResourcesSql('sqlite', RESOURCES))));
    const pgMs = await medianMs(() => firstPage(pg));
    const liteMs = await medianMs(() => firstPage(lite));
    const page = await firstPage(pg);
    console.log(
      `generated ${RESOURCES} resources: PostgreSQL ${(genPg.ms / 1000).toFixed(1)} s, SQLite ${(genLite.ms / 1000).toFixed(1)} s`,
    );
    console.log(
      `resource list, first page of 50 (total ${page.total}): PostgreSQL ${pgMs.toFixed(1)} ms (target ≤ 200 ms), SQLite ${liteMs.toFixed(1)} ms, ratio ${(pgMs / liteMs).toFixed(2)}`,
    );
    await pg.close();
    await lite.close();
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
