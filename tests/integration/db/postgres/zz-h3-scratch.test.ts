import { describe, expect, it } from 'vitest';
import type { Database, SqlValue, WriteConn } from '@core/db/database';
import { sealedCaptureIdsOf } from '@core/db/repositories/capture-events-repo';
import { capturesStartedWithoutEnd } from '@core/db/repositories/capture-leftovers-repo';
import {
  capturesToExtract,
  holdersOfIndicator,
  indicatorCountsOf,
  insertExtractionRun,
  insertLexiconVersion,
  lexiconHitsOfResource,
  listLexiconVersions,
  occurrencesOfResources,
  resourceIdsOfCase,
  sharedIndicatorsOf,
  type NewOccurrence,
} from '@core/db/repositories/indicators-repo';
import {
  insertPacket,
  latestPacket,
  newestPacketOf,
  packetOfResource,
  signedPacketOf,
  type StoredPacket,
} from '@core/db/repositories/packets-repo';
import { ftsQuery, indexText, indexTexts, searchTextIndex } from '@core/db/repositories/search-repo';
import { mediaSensitivity } from '@core/db/repositories/sensitive-media-repo';
import { insertCase } from '@core/db/repositories/cases-repo';
import { insertResource } from '@core/db/repositories/resources-repo';
import type { CategoryHint } from '@shared/domain/resources';
import { dbEngines } from '@tests/helpers/db-engines';

/**
 * Search, indicators, packets, media sensitivity and the custody-log readers on both engines: the same
 * calls give the same answers. Rows these repositories only read (captures, artifacts, audit) are put
 * in with plain SQL, so each test holds exactly what it reads.
 */
const engines = dbEngines();
import { migrate as migrateAll } from '@core/db/migrate';
import { MIGRATIONS as ALL } from '@core/db/migrations/index';
const upTo = async (e: (typeof engines)[number]) => { const db = await e.open(); await migrateAll(db, ALL.filter((m) => m.version < 180), { backupDir: '/nonexistent', clock: () => new Date() }); return db; };
const at = (minute: number): string => `2026-11-22T10:${String(minute).padStart(2, '0')}:00.000Z`;
const sha = (c: string): string => c.repeat(64);

async function insertRow(
  tx: WriteConn,
  table: string,
  row: Readonly<Record<string, SqlValue>>,
): Promise<void> {
  const names = Object.keys(row);
  await tx.run(
    `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
    Object.values(row),
  );
}

async function addResource(
  tx: WriteConn,
  id: string,
  categories: CategoryHint[],
  caseId: string | null = null,
) {
  const url = `https://${id}.example/`;
  await insertResource(tx, {
    id,
    caseId,
    url,
    displayUrl: url,
    host: `${id}.example`,
    categories,
    at: at(1),
  });
}

async function addBlob(tx: WriteConn, hash: string): Promise<void> {
  await insertRow(tx, 'blobs', { sha256: hash, bytes: 10, created_at: at(0) });
}

/** A capture of `resourceId` (its manifest a blob), with the artifacts named, each its own blob. */
async function addCapture(
  tx: WriteConn,
  id: string,
  resourceId: string,
  artifacts: readonly { name: string; kind: string; mediaType: string; sha256: string }[] = [],
): Promise<void> {
  const manifest = sha(id.slice(-1));
  await tx.run(tx.dialect.insertIgnoring('INSERT INTO blobs (sha256, bytes, created_at) VALUES (?, ?, ?)'), [
    manifest,
    1,
    at(0),
  ]);
  await insertRow(tx, 'captures', {
    id,
    resource_id: resourceId,
    operator: 'u-1',
    outcome: 'complete',
    started_at: at(2),
    finished_at: at(3),
    manifest_sha256: manifest,
    record: '{}',
  });
  for (const a of artifacts) {
    const fields = { capture_id: id, name: a.name, kind: a.kind, media_type: a.mediaType, bytes: 10 };
    await insertRow(tx, 'artifacts', { ...fields, sha256: a.sha256 });
  }
}

let auditSeq = 0;
async function addAudit(tx: WriteConn, action: string, subject: string, details: object): Promise<void> {
  auditSeq += 1;
  await insertRow(tx, 'audit', {
    seq: auditSeq,
    at: at(auditSeq),
    actor: 'u-1',
    action,
    subject,
    details: JSON.stringify(details),
    prev_hash: '0',
    hash: String(auditSeq),
  });
}

const occurrence = (type: string, value: string, offset: number): NewOccurrence => ({
  type,
  value,
  artifact: 'text',
  artifactName: 'text.txt',
  offset,
  length: value.length,
  raw: value,
  box: offset === 0 ? { x: 1.5, y: 2, w: 3, h: 4 } : null,
});

const run = (captureId: string, resourceId: string, version: number) => ({
  captureId,
  resourceId,
  extractorVersion: version,
  lexicons: ['drugs-en@1'],
  at: at(10 + version),
  capturedAt: at(3),
});

describe.each(engines)('search, indicators, packets and custody readers on $name', (engine) => {
  it('finds the same hits for plain words, prefixes of joined words and folded diacritics', async () => {
    const db = await upTo(engine);
    await db.write(async (tx) => {
      for (const id of ['r-1', 'r-2', 'r-3']) await addResource(tx, id, ['drugs']);
      await tx.run('UPDATE resources SET last_title = ? WHERE id = ?', ['Shop front', 'r-3']);
      await indexText(tx, {
        title: 'Pills shop',
        body: 'Visit example.com now: cheap pills, bitcoin-wallet only, café au lait',
        resourceId: 'r-1',
        captureId: null,
        kind: 'capture',
      });
      await indexTexts(tx, [
        { title: '', body: 'pills delivered by post', resourceId: 'r-2', captureId: null, kind: 'report' },
        { title: '', body: 'Ёлка and naïve wallet', resourceId: 'r-3', captureId: null, kind: 'decision' },
      ]);
    });
    const marks = { start: '[', end: ']' };
    const hits = (text: string, limit = 10) =>
      db.read(async (c) =>
        (await searchTextIndex(c, { text, limit, marks })).map((h) => h.resourceId).sort(),
      );
    expect(await hits('pills')).toEqual(['r-1', 'r-2']);
    expect(await hits('PILLS cheap')).toEqual(['r-1']);
    expect(await hits('example')).toEqual(['r-1']);
    expect(await hits('example.com')).toEqual(['r-1']);
    expect(await hits('wallet')).toEqual(['r-1', 'r-3']);
    expect(await hits('cafe naive')).toEqual([]);
    expect(await hits('cafe')).toEqual(['r-1']);
    expect(await hits('naive')).toEqual(['r-3']);
    expect(await hits('"pills" OR post*')).toEqual([]);
    expect(await hits('--- post')).toEqual(['r-2']);
    expect(await hits('---')).toEqual([]);
    expect(await hits('pills', 1)).toHaveLength(1);
    const [shop] = await db.read((c) => searchTextIndex(c, { text: 'cheap', limit: 5, marks }));
    expect(shop).toMatchObject({ resourceId: 'r-1', captureId: null, title: 'Pills shop' });
    expect(shop?.url).toBe('https://r-1.example/');
    expect(shop?.snippet).toContain('[cheap]');
    const [fallback] = await db.read((c) => searchTextIndex(c, { text: 'naive', limit: 5, marks }));
    expect(fallback?.title).toBe('Shop front');
    expect(ftsQuery('say "hi" now')).toBe('"say" """hi""" "now"');
    if (engine.name === 'postgres') await expectIndexUsed(db);
  });

  it('keeps extraction runs, reads only the newest run of each capture, and refuses edits', async () => {
    const db = await upTo(engine);
    await db.write(async (tx) => {
      await insertCase(tx, { id: 'c-1', ref: 'OP-1', title: 'Op', at: at(0), createdBy: 'u-1' });
      await addResource(tx, 'r-1', ['drugs'], 'c-1');
      await addResource(tx, 'r-2', ['drugs']);
      await tx.run('UPDATE resources SET state = ? WHERE id = ?', ['blocked', 'r-2']);
      await addCapture(tx, 'cap-1', 'r-1');
      await addCapture(tx, 'cap-2', 'r-2');
      await addCapture(tx, 'cap-3', 'r-2');
    });
    const hit = { lexiconId: 'drugs-en', lexiconVersion: 1, termId: 't1', term: 'snow', category: 'drugs' };
    const runs = await db.write(async (tx) => [
      await insertExtractionRun(tx, run('cap-1', 'r-1', 1), [occurrence('phone', '+1555', 0)], []),
      await insertExtractionRun(
        tx,
        run('cap-1', 'r-1', 2),
        [
          occurrence('wallet', 'bc1zz', 0),
          occurrence('wallet', 'Bc1AA', 9),
          occurrence('wallet', 'bc1zz', 30),
        ],
        [{ ...hit, language: 'en', offset: 4, length: 4, box: null }],
      ),
      await insertExtractionRun(tx, run('cap-2', 'r-2', 2), [occurrence('wallet', 'bc1zz', 5)], []),
    ]);
    expect(runs[1]).toBeGreaterThan(runs[0] ?? 0);
    expect(runs[2]).toBeGreaterThan(runs[1] ?? 0);
    await db.write((tx) =>
      insertLexiconVersion(tx, {
        lexiconId: 'drugs-en',
        version: 1,
        language: 'en',
        category: 'drugs',
        source: 'unit list',
        body: 'snow',
        sha256: sha('d'),
        importedAt: at(5),
        importedBy: 'u-1',
      }),
    );
    const seen = await db.read(async (c) => ({
      toExtract: await capturesToExtract(c, 2, ['drugs-en@1']),
      occurrences: await occurrencesOfResources(c, ['r-1']),
      holders: await holdersOfIndicator(c, 'wallet', 'bc1zz'),
      shared: await sharedIndicatorsOf(c, 'r-1'),
      ofCase: await resourceIdsOfCase(c, 'c-1'),
      hits: await lexiconHitsOfResource(c, 'r-1'),
      counts: await indicatorCountsOf(c, ['r-1', 'r-2', 'r-1', 'r-9']),
      lexicons: await listLexiconVersions(c),
    }));
    expect(seen.toExtract).toEqual([{ captureId: 'cap-3', resourceId: 'r-2' }]);
    expect(seen.occurrences.map((o) => `${o.value}@${o.offset}`)).toEqual(['Bc1AA@9', 'bc1zz@0', 'bc1zz@30']);
    expect(seen.occurrences[1]).toMatchObject({
      type: 'wallet',
      captureId: 'cap-1',
      resourceId: 'r-1',
      capturedAt: at(3),
      artifact: 'text',
      artifactName: 'text.txt',
      length: 5,
      raw: 'bc1zz',
      boxX: 1.5,
      boxY: 2,
      boxW: 3,
      boxH: 4,
      extractorVersion: 2,
    });
    expect(seen.holders).toEqual([
      {
        resourceId: 'r-1',
        url: 'https://r-1.example/',
        state: 'reported',
        captureId: 'cap-1',
        capturedAt: at(3),
        occurrences: 2,
      },
      {
        resourceId: 'r-2',
        url: 'https://r-2.example/',
        state: 'blocked',
        captureId: 'cap-2',
        capturedAt: at(3),
        occurrences: 1,
      },
    ]);
    expect(seen.shared).toEqual([{ type: 'wallet', value: 'bc1zz', resources: 1, blocked: 1 }]);
    expect(seen.ofCase).toEqual(['r-1']);
    expect(seen.hits).toEqual([
      {
        captureId: 'cap-1',
        resourceId: 'r-1',
        ...hit,
        lexiconVersion: 1,
        language: 'en',
        offset: 4,
        length: 4,
        boxX: null,
        boxY: null,
        boxW: null,
        boxH: null,
      },
    ]);
    expect(seen.counts).toEqual([
      { resourceId: 'r-1', indicators: 2, terms: 1 },
      { resourceId: 'r-2', indicators: 1, terms: 0 },
      { resourceId: 'r-9', indicators: 0, terms: 0 },
    ]);
    expect(seen.lexicons).toMatchObject([{ lexiconId: 'drugs-en', version: 1, importedBy: 'u-1' }]);
    // The phone of the older run is one indicator row, kept though no current run reads it.
    const indicatorRows = await db.read((c) => c.get<{ n: number }>('SELECT count(*) AS n FROM indicators'));
    expect(indicatorRows?.n).toBe(3);
    await expect(db.write((tx) => tx.run("UPDATE indicators SET value = 'x'"))).rejects.toMatchObject({
      code: 'db.append-only',
    });
    await expect(db.write((tx) => tx.run('DELETE FROM extraction_runs'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
  });

  it('finds the newest, signed and per-decision packets, ties broken by insertion order', async () => {
    const db = await upTo(engine);
    const packet = (hash: string, over: Partial<StoredPacket>): StoredPacket => ({
      sha256: hash,
      resourceId: 'r-1',
      decisionId: null,
      language: 'en',
      signedBy: null,
      pages: 3,
      bytes: 1000,
      renderedAt: at(20),
      renderedBy: 'u-1',
      ...over,
    });
    await db.write(async (tx) => {
      await addResource(tx, 'r-1', ['drugs', 'minors']);
      await addResource(tx, 'r-2', ['drugs']);
      for (const c of ['1', '2', '3', '4', '5', '6']) await addBlob(tx, sha(c));
      await insertRow(tx, 'decisions', {
        id: 'd-1',
        resource_id: 'r-1',
        reviewer: 'u-2',
        decision: 'approve',
        signed_at: at(21),
        record: '{}',
      });
      // Renderings in the same millisecond (two drafts, two signed): the one inserted last is the newest.
      await insertPacket(tx, packet(sha('3'), {}));
      await insertPacket(tx, packet(sha('1'), {}));
      await insertPacket(tx, packet(sha('6'), { decisionId: 'd-1', signedBy: 'u-3', renderedAt: at(22) }));
      await insertPacket(tx, packet(sha('2'), { decisionId: 'd-1', signedBy: 'u-2', renderedAt: at(22) }));
      await insertPacket(tx, packet(sha('4'), { decisionId: 'd-1', renderedAt: at(23) }));
      await insertPacket(tx, packet(sha('5'), { resourceId: 'r-2' }));
    });
    const seen = await db.read(async (c) => ({
      latest: await latestPacket(c, 'r-1'),
      signed: await signedPacketOf(c, 'd-1'),
      draft: await newestPacketOf(c, 'r-1', null),
      ofDecision: await newestPacketOf(c, 'r-1', 'd-1'),
      none: await latestPacket(c, 'r-9'),
      minors: await packetOfResource(c, 'r-1', sha('1')),
      plain: await packetOfResource(c, 'r-2', sha('5')),
      foreign: await packetOfResource(c, 'r-2', sha('1')),
    }));
    expect(seen.latest?.sha256).toBe(sha('4'));
    expect(seen.signed).toEqual(packet(sha('2'), { decisionId: 'd-1', signedBy: 'u-2', renderedAt: at(22) }));
    expect(seen.draft?.sha256).toBe(sha('1'));
    expect(seen.ofDecision?.sha256).toBe(sha('4'));
    expect(seen.none).toBeNull();
    expect(seen).toMatchObject({ minors: { minors: true }, plain: { minors: false }, foreign: null });
    await expect(db.write((tx) => tx.run('UPDATE packets SET pages = 1'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
  });

  it('tells images, minors images and minors page archives apart by their bytes', async () => {
    const db = await upTo(engine);
    await db.write(async (tx) => {
      await addResource(tx, 'r-1', ['minors']);
      await addResource(tx, 'r-2', ['drugs']);
      for (const c of ['a', 'b', 'c', 'e']) await addBlob(tx, sha(c));
      await addCapture(tx, 'cap-1', 'r-1', [
        { name: 'shot.png', kind: 'screenshot', mediaType: 'IMAGE/PNG', sha256: sha('a') },
        { name: 'page.mhtml', kind: 'mhtml', mediaType: 'multipart/related', sha256: sha('b') },
      ]);
      await addCapture(tx, 'cap-2', 'r-2', [
        { name: 'shot.png', kind: 'screenshot', mediaType: 'image/png', sha256: sha('c') },
        { name: 'page.wacz', kind: 'wacz', mediaType: 'application/wacz', sha256: sha('e') },
      ]);
    });
    const of = (c: string) => db.read((conn) => mediaSensitivity(conn, sha(c)));
    expect(await of('a')).toEqual({ image: true, minors: true, minorsArchive: false });
    expect(await of('b')).toEqual({ image: false, minors: false, minorsArchive: true });
    expect(await of('c')).toEqual({ image: true, minors: false, minorsArchive: false });
    expect(await of('e')).toEqual({ image: false, minors: false, minorsArchive: false });
    expect(await of('f')).toEqual({ image: false, minors: false, minorsArchive: false });
  });

  it('reads sealed and unfinished captures from the custody log', async () => {
    const db = await upTo(engine);
    auditSeq = 0;
    await db.write(async (tx) => {
      for (const id of ['1', '2', '3', '4']) {
        await addAudit(tx, 'capture.started', `resource:r-${id}`, { captureId: `cap-${id}` });
      }
      await addAudit(tx, 'capture.sealed', 'capture:cap-1', { resourceId: 'r-1' });
      await addAudit(tx, 'capture.aborted', 'resource:r-2', { captureId: 'cap-2' });
      await addAudit(tx, 'capture.sealed', 'capture:cap-5', { resourceId: 'r-5' });
      await addAudit(tx, 'capture.sealed', 'resource:r-1', { resourceId: 'r-1' });
      await addAudit(tx, 'capture.abandoned', 'resource:r-9', { captureId: 'cap-9' });
      await addAudit(tx, 'capture.started', 'resource:r-6', { note: 'no capture id' });
    });
    const seen = await db.read(async (c) => ({
      open: await capturesStartedWithoutEnd(c),
      sealed: await sealedCaptureIdsOf(c, ['r-1', 'r-5', 'r-7']),
    }));
    expect(seen.open).toEqual([
      { captureId: 'cap-3', resourceSubject: 'resource:r-3', startedSeq: 3 },
      { captureId: 'cap-4', resourceSubject: 'resource:r-4', startedSeq: 4 },
    ]);
    expect(seen.sealed.sort((a, b) => a.captureId.localeCompare(b.captureId))).toEqual([
      { captureId: 'cap-1', resourceId: 'r-1' },
      { captureId: 'cap-5', resourceId: 'r-5' },
    ]);
  });
});

/** The words' GIN index answers a search (with sequential scans priced out, on the writer connection). */
async function expectIndexUsed(db: Database): Promise<void> {
  await db.raw.exec('SET enable_seqscan = off');
  const plan = await db.raw.all<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT t.resource_id FROM ${db.raw.dialect.textSearch.from} WHERE ${db.raw.dialect.textSearch.match}`,
    [db.raw.dialect.textSearch.query(['pills'])],
  );
  await db.raw.exec('RESET enable_seqscan');
  expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('text_index_words_index');
}
