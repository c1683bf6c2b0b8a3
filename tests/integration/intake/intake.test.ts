import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import type { DialectName } from '@core/db/dialect';
import type { Session } from '@core/rpc/dispatch';
import type { AnyEvent } from '@shared/contract/events';
import type { MethodInput, MethodName, MethodOutput } from '@shared/contract/index';
import type { ErrorPayload } from '@shared/errors/app-error';
import type { User } from '@shared/domain/users';
import { tempDir } from '@tests/helpers/temp-dir';

type Reply = { ok: true; value: unknown } | { ok: false; error: ErrorPayload };

let dir: { path: string; remove: () => void };
let backend: Backend;
let investigator: Session;
let reviewer: Session;
let tick = 0;
// A clock that moves 1 ms per reading: deterministic, and every row gets its own time.
const clock = (): Date => new Date(Date.parse('2026-03-01T10:00:00.000Z') + tick++);

const call = (session: Session, method: string, input: unknown): Promise<Reply> =>
  backend.dispatch(session, method, input);
async function ok<M extends MethodName>(
  session: Session,
  method: M,
  input: MethodInput<M>,
): Promise<MethodOutput<M>> {
  const reply = await call(session, method, input);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
  return reply.value as MethodOutput<M>;
}

const scalar = async (sql: string, params: (string | number)[] = []): Promise<number> =>
  (await backend.workspace.db.read((c) => c.get<{ n: number }>(sql, params)))?.n ?? -1;

beforeAll(async () => {
  dir = tempDir();
  backend = await createBackend({ dataDir: join(dir.path, 'data'), clock });
  const password = 'a long enough password';
  const ivan: User = await backend.users.create({ name: 'ivan', role: 'investigator', password }, 'test');
  const rita: User = await backend.users.create({ name: 'rita', role: 'reviewer', password }, 'test');
  investigator = { user: ivan };
  reviewer = { user: rita };
});
afterAll(async () => {
  await backend.close();
  dir.remove();
});

describe('reports.add', () => {
  it('merges reports of one page into one resource with the count, keeping each original URL', async () => {
    const events: AnyEvent[] = [];
    const stop = backend.events.subscribe((e) => events.push(e));
    const first = await ok(investigator, 'reports.add', {
      url: 'https://Пример.рф/news?id=7&utm_source=tg#top',
      category: 'drugs',
      note: 'first seen in a chat',
      reporterRef: 'R-1',
    });
    const second = await ok(investigator, 'reports.add', {
      url: 'HTTPS://xn--e1afmkfd.xn--p1ai:443/news?id=7&fbclid=abc',
      category: 'fraud',
      sourceType: 'trusted_flagger',
    });
    const third = await ok(investigator, 'reports.add', { url: 'https://пример.рф./news?id=7' });
    stop();

    expect(first.merged).toBe(false);
    expect(second.merged).toBe(true);
    expect(third.merged).toBe(true);
    expect(new Set([first.resource.id, second.resource.id, third.resource.id]).size).toBe(1);
    expect(third.resource).toMatchObject({
      url: 'https://xn--e1afmkfd.xn--p1ai/news?id=7',
      displayUrl: 'https://пример.рф/news?id=7',
      host: 'xn--e1afmkfd.xn--p1ai',
      state: 'reported',
      reportCount: 3,
      categories: ['drugs', 'fraud'],
    });
    expect(events.filter((e) => e.name === 'resource.changed').map((e) => e.payload)).toEqual([
      { resourceId: first.resource.id, state: 'reported' },
      { resourceId: first.resource.id, state: 'reported' },
      { resourceId: first.resource.id, state: 'reported' },
    ]);

    const detail = await ok(investigator, 'resources.get', { id: first.resource.id });
    expect(detail.reports.map((r) => r.originalUrl)).toEqual([
      'https://Пример.рф/news?id=7&utm_source=tg#top',
      'HTTPS://xn--e1afmkfd.xn--p1ai:443/news?id=7&fbclid=abc',
      'https://пример.рф./news?id=7',
    ]);
    expect(detail.reports[0]).toMatchObject({
      sourceType: 'citizen',
      reporterRef: 'R-1',
      note: 'first seen in a chat',
      createdBy: 'ivan',
    });
    expect(detail.reports[1]).toMatchObject({ sourceType: 'trusted_flagger', category: 'fraud' });
    expect(detail).toMatchObject({ captures: [], decisions: [] });
    expect(detail.allowedActions).toContain('capture');
    expect((await ok(reviewer, 'resources.get', { id: first.resource.id })).allowedActions).toEqual([]);

    // One resource.created, one report.added and two report.merged rows, all about this resource.
    const actions = await backend.workspace.db.read((c) =>
      c.all<{ action: string; actor: string }>(
        'SELECT action, actor FROM audit WHERE subject = ? ORDER BY seq',
        [`resource:${first.resource.id}`],
      ),
    );
    expect(actions).toEqual([
      { action: 'resource.created', actor: 'ivan' },
      { action: 'report.added', actor: 'ivan' },
      { action: 'report.merged', actor: 'ivan' },
      { action: 'report.merged', actor: 'ivan' },
    ]);
  });

  it('refuses bad URLs with their own codes and stores nothing', async () => {
    const before = await scalar('SELECT count(*) AS n FROM reports');
    const cases: [string, string][] = [
      ['javascript:alert(1)', 'intake.scheme-refused'],
      ['file:///etc/passwd', 'intake.scheme-refused'],
      ['not a url', 'intake.bad-url'],
      ['https://user:pw@example.com/', 'intake.bad-url'],
      ['http://127.0.0.1:8080/admin', 'intake.private-address'],
      ['http://[::ffff:10.0.0.1]/', 'intake.private-address'],
      ['http://0x7f.1/', 'intake.private-address'],
      ['http://printer.local/', 'intake.private-address'],
      // The contract lets 8193 characters through so that the service can name the problem.
      [`https://example.com/${'a'.repeat(8193 - 20)}`, 'intake.url-too-long'],
    ];
    for (const [url, code] of cases) {
      const reply = await call(investigator, 'reports.add', { url });
      const label = url.slice(0, 40);
      expect(reply.ok, label).toBe(false);
      if (!reply.ok) expect(reply.error.code, label).toBe(code);
    }
    expect(await scalar('SELECT count(*) AS n FROM reports')).toBe(before);
  });

  it('lets only investigators and admins enter reports', async () => {
    const reply = await call(reviewer, 'reports.add', { url: 'https://example.org/' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'auth.forbidden' } });
  });

  it('files the resource under a case, creating the case once', async () => {
    const a = await ok(investigator, 'reports.add', { url: 'https://case.example/1', caseRef: 'KZ-2026-7' });
    const b = await ok(investigator, 'reports.add', { url: 'https://case.example/2', caseRef: 'KZ-2026-7' });
    expect(a.resource.caseRef).toBe('KZ-2026-7');
    expect(b.resource.caseRef).toBe('KZ-2026-7');
    expect(await scalar("SELECT count(*) AS n FROM cases WHERE ref = 'KZ-2026-7'")).toBe(1);
  });
});

const longUrl = `https://long.example/${'x'.repeat(8300)}`;
const MIXED = [
  'url,note,category,source',
  'https://mixed.example/a,first good,drugs,volunteer',
  'https://mixed.example/a#dup,same page again,,',
  'https://pre-existing.example/,already known,,',
  'javascript:alert(1),bad scheme,,',
  'http://exa mple.com/,malformed,,',
  'http://192.168.1.1/router,private,,',
  `${longUrl},too long,,`,
  'https://mixed.example/b,"a note, with a comma",weapons,',
  'https://mixed.example/c,,fraud,trusted flagger',
  '',
].join('\r\n');

/** A trigger refusing reports whose URL holds "boom", in each engine's own trigger language. */
const REFUSE_BOOM: Readonly<Record<DialectName, Readonly<{ create: string; drop: string }>>> = {
  sqlite: {
    create:
      "CREATE TRIGGER test_refuse_boom BEFORE INSERT ON reports WHEN NEW.original_url LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
    drop: 'DROP TRIGGER test_refuse_boom',
  },
  postgres: {
    create: `CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;
      CREATE TRIGGER test_refuse_boom BEFORE INSERT ON reports FOR EACH ROW
      WHEN (NEW.original_url LIKE '%boom%') EXECUTE FUNCTION test_refuse_boom()`,
    drop: 'DROP TRIGGER test_refuse_boom ON reports; DROP FUNCTION test_refuse_boom()',
  },
};
describe('reports.import', () => {
  it('previews a mixed file line by line without writing anything', async () => {
    await ok(investigator, 'reports.add', { url: 'https://pre-existing.example/' });
    const dbFiles = ['vigil.db', 'vigil.db-wal']
      .map((f) => join(dir.path, 'data', f))
      .filter((f) => existsSync(f));
    const hash = () => dbFiles.map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'));
    const blobsBefore = readdirSync(join(dir.path, 'data', 'blobs'), { recursive: true }).length;
    const before = hash();
    const preview = await ok(investigator, 'reports.previewImport', {
      fileName: 'mixed.csv',
      content: MIXED,
    });
    expect(hash()).toEqual(before);
    expect(readdirSync(join(dir.path, 'data', 'blobs'), { recursive: true }).length).toBe(blobsBefore);
    expect(preview.lines.map((l) => [l.line, l.outcome])).toEqual([
      [2, 'added'],
      [3, 'merged'],
      [4, 'merged'],
      [5, 'rejected'],
      [6, 'rejected'],
      [7, 'rejected'],
      [8, 'rejected'],
      [9, 'rejected'],
      [10, 'added'],
    ]);
    expect(preview.lines[1]?.reason).toBe('same resource as line 2');
    expect(preview).toMatchObject({ added: 2, merged: 2, rejected: 5 });
  });

  it('imports the same file: every line gets its outcome, the good ones are stored', async () => {
    const reportsBefore = await scalar('SELECT count(*) AS n FROM reports');
    const result = await ok(investigator, 'reports.import', {
      fileName: 'mixed.csv',
      content: MIXED,
      defaults: { caseRef: 'BULK-1' },
    });
    const byLine = new Map<number, { outcome: string; reason?: string; resourceId?: string }>(
      result.lines.map((l) => [l.line, l]),
    );
    expect(result).toMatchObject({ added: 2, merged: 2, rejected: 5 });
    expect(byLine.get(2)).toMatchObject({ outcome: 'added' });
    expect(byLine.get(3)).toMatchObject({ outcome: 'merged', resourceId: byLine.get(2)?.resourceId });
    expect(byLine.get(4)?.outcome).toBe('merged');
    expect(byLine.get(5)?.reason).toMatch(/^intake\.scheme-refused: /);
    expect(byLine.get(6)?.reason).toMatch(/^intake\.bad-url: /);
    expect(byLine.get(7)?.reason).toMatch(/^intake\.private-address: /);
    expect(byLine.get(8)?.reason).toMatch(/^intake\.url-too-long: /);
    expect(byLine.get(9)?.reason).toMatch(/^input\.invalid: category/);
    expect(byLine.get(10)).toMatchObject({ outcome: 'added' });
    expect(await scalar('SELECT count(*) AS n FROM reports')).toBe(reportsBefore + 4);

    const a = await ok(investigator, 'resources.get', { id: byLine.get(2)?.resourceId ?? '' });
    expect(a.resource).toMatchObject({ reportCount: 2, caseRef: 'BULK-1', categories: ['drugs'] });
    expect(a.reports.map((r) => [r.note, r.sourceType])).toEqual([
      ['first good', 'volunteer'],
      ['same page again', 'citizen'],
    ]);
    const c = await ok(investigator, 'resources.get', { id: byLine.get(10)?.resourceId ?? '' });
    expect(c.reports[0]).toMatchObject({ sourceType: 'trusted_flagger', category: 'fraud' });

    // The file itself is kept as a blob and named by the custody rows of its reports.
    const imported = await backend.workspace.db.read((c) =>
      c.all<{ subject: string; details: string }>(
        "SELECT subject, details FROM audit WHERE action = 'reports.imported'",
      ),
    );
    expect(imported).toHaveLength(1);
    const sha = imported[0]?.subject.replace('import:', '') ?? '';
    expect(await backend.workspace.blobs.has(sha)).toBe(true);
    expect(await scalar('SELECT count(*) AS n FROM blobs WHERE sha256 = ?', [sha])).toBe(1);
    expect(
      await scalar(
        "SELECT count(*) AS n FROM audit WHERE action IN ('report.added', 'report.merged') AND details LIKE ?",
        [`%${sha}%`],
      ),
    ).toBe(4);
  });

  it('a line the database refuses is rejected alone; lines before and after it are kept', async () => {
    await backend.workspace.db.write((tx) => tx.exec(REFUSE_BOOM[tx.dialect.name].create));
    try {
      const result = await ok(investigator, 'reports.import', {
        fileName: 'boom.txt',
        content: 'https://keep.example/1\nhttps://boom.example/\nhttps://keep.example/2\n',
      });
      expect(result.lines.map((l) => l.outcome)).toEqual(['added', 'rejected', 'added']);
      expect(result.lines[1]?.reason).toMatch(/refused by test/);
      expect(
        await scalar("SELECT count(*) AS n FROM resources WHERE url LIKE 'https://keep.example/%'"),
      ).toBe(2);
      // Nothing of the refused line survives: no resource, no custody row.
      expect(await scalar("SELECT count(*) AS n FROM resources WHERE url LIKE '%boom%'")).toBe(0);
      expect(
        await scalar(
          "SELECT count(*) AS n FROM audit WHERE details LIKE '%boom.example%' AND action LIKE 're%'",
        ),
      ).toBe(0);
    } finally {
      await backend.workspace.db.write((tx) => tx.exec(REFUSE_BOOM[tx.dialect.name].drop));
    }
  });

  it('refuses a CSV without a url column as a whole', async () => {
    const reply = await call(investigator, 'reports.import', {
      fileName: 'x.csv',
      content: 'link,note\nhttps://a.example/,x\n',
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'intake.bad-file' } });
  });

  it('writes custody rows for every change and the chain verifies', async () => {
    const resources = await scalar('SELECT count(*) AS n FROM resources');
    const reports = await scalar('SELECT count(*) AS n FROM reports');
    expect(await scalar("SELECT count(*) AS n FROM audit WHERE action = 'resource.created'")).toBe(resources);
    expect(
      await scalar("SELECT count(*) AS n FROM audit WHERE action IN ('report.added', 'report.merged')"),
    ).toBe(reports);
    expect(await scalar("SELECT count(*) AS n FROM audit WHERE action = 'report.added'")).toBe(resources);
    const verified = await ok(investigator, 'audit.verify', {});
    expect(verified.ok).toBe(true);
  });
});

describe('resources.list', () => {
  it('pages, sorts and filters', async () => {
    const all = await ok(reviewer, 'resources.list', { sort: 'url', direction: 'asc', limit: 1000 });
    expect(all.total).toBe(all.items.length);
    const urls = all.items.map((r) => r.url);
    expect(urls).toEqual([...urls].sort());

    const pages: string[] = [];
    for (let offset = 0; offset < all.total; offset += 3) {
      const page = await ok(reviewer, 'resources.list', {
        sort: 'createdAt',
        direction: 'desc',
        offset,
        limit: 3,
      });
      expect(page.total).toBe(all.total);
      pages.push(...page.items.map((r) => r.id));
    }
    expect(new Set(pages).size).toBe(all.total);

    const byCount = await ok(reviewer, 'resources.list', {
      sort: 'reportCount',
      direction: 'desc',
      limit: 1,
    });
    expect(byCount.items[0]?.reportCount).toBe(3);

    const drugs = await ok(reviewer, 'resources.list', { category: 'drugs' });
    expect(drugs.items.map((r) => r.categories.includes('drugs'))).toEqual(drugs.items.map(() => true));
    expect(drugs.total).toBe(2);

    const byNote = await ok(reviewer, 'resources.list', { text: 'chat' });
    expect(byNote.items.map((r) => r.displayUrl)).toEqual(['https://пример.рф/news?id=7']);
    const byHost = await ok(reviewer, 'resources.list', { text: 'mixed.example' });
    expect(byHost.items.map((r) => r.url).sort()).toEqual([
      'https://mixed.example/a',
      'https://mixed.example/c',
    ]);
    const byUnicode = await ok(reviewer, 'resources.list', { text: 'пример' });
    expect(byUnicode.total).toBe(1);
    const operators = await ok(reviewer, 'resources.list', { text: '"unbalanced AND (' });
    expect(operators.total).toBe(0);
    expect((await ok(reviewer, 'resources.list', { state: 'approved' })).total).toBe(0);
    expect((await ok(reviewer, 'resources.list', { state: 'reported' })).total).toBe(all.total);
  });
});

describe('resources.get and dashboard.stats with captures and decisions of other areas', () => {
  it('returns stored capture records and counts them per day', async () => {
    const res = await ok(investigator, 'reports.add', { url: 'https://captured.example/' });
    const id: string = res.resource.id;
    const sha = 'a'.repeat(64);
    const captureId = 'cap_0000000000aaaaaaaaaaaaaaaa';
    const record = {
      id: captureId,
      resourceId: id,
      url: 'https://captured.example/',
      finalUrl: 'https://captured.example/',
      outcome: 'complete',
      startedAt: '2026-03-01T09:00:00.000Z',
      finishedAt: '2026-03-01T09:00:05.000Z',
      http: { status: 200, headers: {}, remoteAddress: '93.184.216.34:443', protocol: 'h2' },
      redirects: [],
      page: { title: 'T', lang: 'en', textLength: 1, outlinks: 0 },
      context: {
        operator: 'ivan',
        workstation: 'ws',
        os: 'linux',
        app: { name: 'Vigil', version: '0' },
        browser: { product: 'Chrome', version: '1' },
        userAgent: 'UA',
        viewport: { width: 1, height: 1, deviceScaleFactor: 1, isMobile: false },
        locale: 'en',
        timeZone: 'UTC',
        proxy: null,
      },
      artifacts: [],
      manifestSha256: sha,
      signature: { alg: 'ES256', keyId: 'k', value: 'v' },
      timestamp: { status: 'none' },
      warnings: [],
    };
    await backend.workspace.db.write(async (tx) => {
      await tx.run(
        "INSERT INTO blobs (sha256, bytes, created_at) VALUES (?, 1, '2026-03-01T09:00:00.000Z')",
        [sha],
      );
      await tx.run(
        'INSERT INTO captures (id, resource_id, operator, outcome, started_at, finished_at, manifest_sha256, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [captureId, id, 'ivan', 'complete', record.startedAt, record.finishedAt, sha, JSON.stringify(record)],
      );
      await tx.run("UPDATE resources SET state = 'captured', capture_count = 1 WHERE id = ?", [id]);
    });
    const detail = await ok(reviewer, 'resources.get', { id });
    // The row names a manifest blob that does not exist: the view still returns the stored record,
    // flagged, because what is shown is checked against the signed manifest.
    expect(detail.captures).toEqual([{ ...record, tampered: ['manifest'] }]);
    expect(detail.allowedActions).toEqual(['approve', 'reject', 'request_recapture']);

    const stats = await ok(reviewer, 'dashboard.stats', {});
    expect(stats.perDay).toHaveLength(30);
    expect(stats.perDay.at(-1)).toEqual({ date: '2026-03-01', captures: 1, decisions: 0 });
    expect(stats.byState.captured).toBe(1);
    expect(stats.waitingForMe).toBe(1);
    const mine = await ok(investigator, 'dashboard.stats', {});
    expect(mine.waitingForMe).toBe(stats.byState.reported);
    expect(stats.byCategory).toMatchObject({ drugs: 2, fraud: 2, minors: 0 });
  });

  it('answers evidence.not-found for an unknown resource', async () => {
    const reply = await call(reviewer, 'resources.get', { id: 'res_00000000000000000000000000' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'evidence.not-found' } });
  });
});
