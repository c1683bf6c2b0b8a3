import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAudit, verifyAudit } from '@core/custody/audit-log';
import { migrate, migrationChecksum } from '@core/db/migrate';
import { MIGRATIONS } from '@core/db/migrations/index';
import { openPostgresDatabase } from '@core/db/postgres-database';
import { listAuditRows } from '@core/db/repositories/audit-repo';
import { listBlobs, registerBlob, servedBlob } from '@core/db/repositories/blobs-repo';
import { caseRefOf, findCaseByRef, insertCase } from '@core/db/repositories/cases-repo';
import { insertReport, listReports } from '@core/db/repositories/reports-repo';
import {
  addReportToResource,
  addReportsToResources,
  countByCategory,
  countByState,
  findResourceByUrl,
  getResourceSummary,
  insertResource,
  listResources,
  setResourceState,
} from '@core/db/repositories/resources-repo';
import { readStoredSettings, writeSetting } from '@core/db/repositories/settings-repo';
import { countUsers, insertUser, updateUser, userByName } from '@core/db/repositories/users-repo';
import { dbEngines } from '@tests/helpers/db-engines';

/**
 * The repositories against both engines: the same calls, the same answers. One PostgreSQL cluster per
 * file; each test gets a fresh database on it (or a fresh SQLite file), migrated with the shipped steps.
 */
const clock = () => new Date('2026-11-22T10:00:00.000Z');
const engines = dbEngines();
const postgresEngine = engines.find((e) => e.name === 'postgres');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const user = (name: string) => ({
  id: `u-${name}`,
  name,
  displayName: name.toUpperCase(),
  role: 'investigator' as const,
  passwordHash: 'h',
  publicKeyPem: 'pub',
  certificatePem: 'cert',
  privateKeyEnc: '{}',
  createdAt: '2026-11-22T10:00:00.000Z',
});

const at = (minute: number): string => `2026-11-22T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe.each(engines)('repositories on $name', (engine) => {
  it('applies every shipped migration once, and refuses a database migrated by another text', async () => {
    const db = await engine.open();
    const opts = { backupDir: join('/nonexistent', 'backups'), clock };
    const first = await migrate(db, MIGRATIONS, opts);
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    expect((await migrate(db, MIGRATIONS, opts)).applied).toEqual([]);
    // The checksum recorded is the one of the shipped (SQLite) text, on both engines.
    const stored = await db.read((c) =>
      c.get<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = ?', [10]),
    );
    const initial = MIGRATIONS[0];
    if (initial === undefined) throw new Error('no migrations');
    expect(stored?.checksum).toBe(migrationChecksum(initial));
    const edited = [{ ...initial, sql: `${initial.sql}\n-- edited` }, ...MIGRATIONS.slice(1)];
    await expect(migrate(db, edited, opts)).rejects.toThrow(/was changed after it was applied/);
  });

  it('keeps users, cases, resources and reports, and lists and counts them alike', async () => {
    const db = await engine.migrated();
    await db.write(async (tx) => {
      await insertUser(tx, user('amina'));
      await insertUser(tx, user('boris'));
      await updateUser(tx, 'u-boris', {
        role: 'reviewer',
        displayName: 'Boris R.',
        disabled: true,
        certificatePem: 'cert2',
      });
      await insertCase(tx, { id: 'c-1', ref: 'OP-7', title: 'Op seven', at: at(0), createdBy: 'u-amina' });
      for (const [i, host] of ['shop.example', 'market.example', 'forum.example'].entries()) {
        await insertResource(tx, {
          id: `r-${i}`,
          caseId: i === 0 ? 'c-1' : null,
          url: `https://${host}/p?q=1`,
          displayUrl: `https://${host}/p?q=1`,
          host,
          categories: i === 2 ? ['fraud'] : ['drugs'],
          at: at(i + 1),
        });
        await insertReport(
          tx,
          {
            id: `rep-${i}`,
            resourceId: `r-${i}`,
            originalUrl: `https://${host}/p?q=1`,
            sourceType: 'citizen',
            reporterRef: null,
            category: null,
            // A `?` and a quote inside bound text are data, not placeholders.
            note: i === 1 ? "selling pills? it's on the front page" : null,
            receivedAt: at(i + 1),
            createdBy: 'u-amina',
            createdAt: at(i + 1),
          },
          `https://${host}/p?q=1`,
        );
      }
      await addReportToResource(tx, 'r-2', { categories: ['fraud', 'drugs'], caseId: 'c-1', at: at(9) });
      await addReportsToResources(tx, [
        { id: 'r-1', count: 2, categories: ['drugs', 'smuggling'], caseId: null, at: at(8) },
      ]);
      await setResourceState(tx, 'r-0', 'captured', at(7));
    });

    const seen = await db.read(async (c) => ({
      users: await countUsers(c),
      boris: await userByName(c, 'boris'),
      caseId: await findCaseByRef(c, 'OP-7'),
      caseRef: await caseRefOf(c, 'c-1'),
      byUrl: await findResourceByUrl(c, 'https://market.example/p?q=1'),
      summary: await getResourceSummary(c, 'r-2'),
      reports: await listReports(c, 'r-1'),
      byState: await countByState(c),
      byCategory: await countByCategory(c),
      newest: await listResources(c, { sort: 'updatedAt', direction: 'desc', offset: 0, limit: 2 }),
      next: await listResources(c, { sort: 'updatedAt', direction: 'desc', offset: 2, limit: 2 }),
      drugs: await listResources(c, {
        category: 'drugs',
        sort: 'url',
        direction: 'asc',
        offset: 0,
        limit: 10,
      }),
      words: await listResources(c, {
        text: 'front pag',
        sort: 'url',
        direction: 'asc',
        offset: 0,
        limit: 10,
      }),
    }));
    expect(seen.users).toBe(2);
    expect(seen.boris).toMatchObject({ role: 'reviewer', displayName: 'Boris R.', disabled: true });
    expect(seen.caseId).toBe('c-1');
    expect(seen.caseRef).toBe('OP-7');
    expect(seen.byUrl).toMatchObject({ id: 'r-1', state: 'reported', categories: ['drugs', 'smuggling'] });
    expect(seen.summary).toMatchObject({ caseRef: 'OP-7', reportCount: 2, categories: ['fraud', 'drugs'] });
    expect(seen.reports.map((r) => r.note)).toEqual(["selling pills? it's on the front page"]);
    expect(seen.byState).toMatchObject({ reported: 2, captured: 1 });
    expect(seen.byCategory).toMatchObject({ drugs: 3, fraud: 1, smuggling: 1, minors: 0 });
    expect(seen.newest.total).toBe(3);
    expect(seen.newest.items.map((r) => r.id)).toEqual(['r-2', 'r-1']);
    expect(seen.next.items.map((r) => r.id)).toEqual(['r-0']);
    expect(seen.newest.items[1]).toMatchObject({ reportCount: 3, categories: ['drugs', 'smuggling'] });
    expect(seen.drugs.items.map((r) => r.host)).toEqual(['forum.example', 'market.example', 'shop.example']);
    expect(seen.words.items.map((r) => r.id)).toEqual(['r-1']);
  });

  it('registers a blob once, answers truth values as 1 and 0, and overwrites a setting', async () => {
    const db = await engine.migrated();
    const sha = 'ab'.repeat(32);
    await db.write(async (tx) => {
      await registerBlob(tx, { sha256: sha, bytes: 5 }, at(1));
      // Already known: left as it is, no error.
      await registerBlob(tx, { sha256: sha, bytes: 5 }, at(2));
      await writeSetting(tx, 'ui.language', 'en');
      await writeSetting(tx, 'ui.language', 'ar');
    });
    const seen = await db.read(async (c) => ({
      blobs: await listBlobs(c),
      served: await servedBlob(c, sha),
      settings: await readStoredSettings(c),
      truth: await c.get<{ yes: number; no: number }>(
        'SELECT EXISTS (SELECT 1 FROM blobs) AS yes, EXISTS (SELECT 1 FROM cases) AS no',
      ),
    }));
    expect(seen.blobs).toEqual([{ sha256: sha, bytes: 5 }]);
    expect(seen.served).toEqual({ bytes: 5, mediaType: null, packet: false });
    expect(seen.settings).toMatchObject({ 'ui.language': 'ar' });
    expect(seen.truth).toEqual({ yes: 1, no: 0 });
  });

  it('refuses to edit append-only evidence with the same typed error', async () => {
    const db = await engine.migrated();
    await db.write((tx) =>
      appendAudit(tx, clock, { actor: 'u-a', action: 'case.create', subject: 'case:1' }),
    );
    await expect(db.write((tx) => tx.run("UPDATE audit SET actor = 'x'"))).rejects.toMatchObject({
      code: 'db.append-only',
    });
    await expect(db.write((tx) => tx.run('DELETE FROM audit'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
    const page = await db.read((c) => listAuditRows(c, { action: 'case.', limit: 10 }));
    expect(page.total).toBe(1);
  });
});

describe('custody log on PostgreSQL', () => {
  it('stays one intact chain when 8 connections append at once', async () => {
    const url = await postgresEngine?.freshUrl?.();
    if (url === undefined) throw new Error('no PostgreSQL engine');
    const first = await openPostgresDatabase(url);
    cleanups.push(() => first.close());
    await migrate(first, MIGRATIONS, { backupDir: '/nonexistent', clock });
    // Eight separate connections stand for eight processes: only the server can serialise them.
    const writers = await Promise.all(Array.from({ length: 8 }, () => openPostgresDatabase(url)));
    cleanups.push(() => Promise.all(writers.map((w) => w.close())).then(() => undefined));
    const perWriter = 25;
    await Promise.all(
      writers.map((w, n) =>
        Promise.all(
          Array.from({ length: perWriter }, (_, i) =>
            w.write((tx) =>
              appendAudit(tx, clock, { actor: `u-${n}`, action: 'test.append', subject: `w:${n}:${i}` }),
            ),
          ),
        ),
      ),
    );
    const result = await first.read((c) => verifyAudit(c, null));
    expect(result).toMatchObject({ ok: true, rows: 8 * perWriter, headSeq: 8 * perWriter });
  }, 60_000);
});
