import { describe, expect, it } from 'vitest';
import { newestApprovals } from '@core/db/repositories/blocklist-repo';
import {
  artifactOfResource,
  capturesPerDay,
  capturesWithPendingTimestamp,
  getCapture,
  indexCaptureText,
  insertCapture,
  insertTimestamp,
  listCaptures,
} from '@core/db/repositories/captures-repo';
import {
  decisionsPerDay,
  getDecision,
  insertDecision,
  latestDecision,
  listDecisions,
} from '@core/db/repositories/decisions-repo';
import {
  allAssessments,
  allHashLists,
  currentHashListEntries,
  hashKnowledgeGeneration,
  hashListVersions,
  insertAssessment,
  insertHashList,
  insertHashListEntries,
} from '@core/db/repositories/hash-lists-repo';
import {
  insertHeadTimestamp,
  insertTimestampQuery,
  latestHeadTimestamp,
  listHeadTimestamps,
  pendingTimestampSummary,
  queryOfToken,
} from '@core/db/repositories/time-stamps-repo';
import { dbEngines } from '@tests/helpers/db-engines';
import { at, captureRecord, cid, decisionRecord, did, rid, seedParents, sha } from './repos-b-fixtures';

/**
 * Captures, decisions, the block list, time-stamps and hash lists on both engines: the same calls give
 * the same answers, ties between rows written at the same instant included (SQLite's rowid order).
 */
const engines = dbEngines();
const pathOf = (sha256: string): string => `/blobs/${sha256.slice(-2)}`;

describe.each(engines)('captures, decisions and time-stamps on $name', (engine) => {
  it('stores captures with their artifacts and time-stamp history, and reads them back alike', async () => {
    const db = await engine.migrated();
    await db.write(async (tx) => {
      await seedParents(tx);
      await insertCapture(
        tx,
        captureRecord({ id: cid(2), resource: rid(1), startedAt: at(20), manifest: 4, text: 5 }),
        at(20),
      );
      await insertCapture(
        tx,
        captureRecord({ id: cid(1), resource: rid(1), startedAt: at(10), manifest: 1, text: 2 }),
        at(10),
      );
      await insertCapture(
        tx,
        captureRecord({ id: cid(3), resource: rid(2), startedAt: at(30), manifest: 7, text: 8 }),
        at(30),
      );
      // Granted at the very instant it was sealed pending: the row written later is the current state.
      await insertTimestamp(
        tx,
        cid(1),
        { status: 'granted', tsa: 'https://tsa.test', genTime: at(10), tokenSha256: sha(10) },
        at(10),
      );
      await indexCaptureText(tx, rid(1), cid(1), 'Shop', 'pills for sale');
    });
    const read = await db.read(async (c) => ({
      one: await getCapture(c, cid(1), pathOf),
      missing: await getCapture(c, cid(9), pathOf),
      ofResource: (await listCaptures(c, rid(1), pathOf)).map((r) => [r.id, r.timestamp.status]),
      pending: await capturesWithPendingTimestamp(c),
      perDay: [...(await capturesPerDay(c, '2026-11-22'))],
      perDayLater: [...(await capturesPerDay(c, '2026-11-23'))],
      artifact: await artifactOfResource(c, rid(1), sha(5)),
      elsewhere: await artifactOfResource(c, rid(2), sha(5)),
    }));
    expect(read.one?.timestamp).toEqual({
      status: 'granted',
      tsa: 'https://tsa.test',
      genTime: at(10),
      tokenSha256: sha(10),
    });
    // The token obtained later shows as an artifact; every path is today's, never the stored one.
    expect(read.one?.artifacts.map((a) => [a.kind, a.bytes, a.path])).toEqual([
      ['text', 102, pathOf(sha(2))],
      ['dom', 103, pathOf(sha(3))],
      ['manifest', 101, pathOf(sha(1))],
      ['timestamp-token', 110, pathOf(sha(10))],
    ]);
    expect(read.missing).toBeNull();
    expect(read.ofResource).toEqual([
      [cid(1), 'granted'],
      [cid(2), 'pending'],
    ]);
    expect(read.pending).toEqual([
      { id: cid(2), manifestSha256: sha(4) },
      { id: cid(3), manifestSha256: sha(7) },
    ]);
    expect(read.perDay).toEqual([['2026-11-22', 3]]);
    expect(read.perDayLater).toEqual([]);
    expect(read.artifact).toEqual({ name: 'page.txt', captureId: cid(2) });
    expect(read.elsewhere).toBeNull();
    await expect(db.write((tx) => tx.run("UPDATE captures SET outcome = 'failed'"))).rejects.toMatchObject({
      code: 'db.append-only',
    });
  });

  it('keeps decisions as signed; the newest decides, and the block list holds the newest approvals', async () => {
    const db = await engine.migrated();
    await db.write(async (tx) => {
      await seedParents(tx);
      await insertDecision(
        tx,
        decisionRecord({ id: did(3), resource: rid(1), signedAt: at(5), decision: 'approve' }),
      );
      // Same instant: the one written later supersedes (rowid order on both engines).
      await insertDecision(
        tx,
        decisionRecord({
          id: did(1),
          resource: rid(1),
          signedAt: at(5),
          decision: 'reject',
          supersedes: did(3),
        }),
      );
      await insertDecision(
        tx,
        decisionRecord({ id: did(2), resource: rid(2), signedAt: at(7), decision: 'approve' }),
      );
      await insertDecision(
        tx,
        decisionRecord({ id: did(4), resource: rid(3), signedAt: at(6), decision: 'reject' }),
      );
      await insertDecision(
        tx,
        decisionRecord({
          id: did(5),
          resource: rid(3),
          signedAt: at(8),
          decision: 'approve',
          supersedes: did(4),
        }),
      );
    });
    const read = await db.read(async (c) => ({
      one: await getDecision(c, did(2)),
      missing: await getDecision(c, did(9)),
      latest1: (await latestDecision(c, rid(1)))?.id,
      latest3: (await latestDecision(c, rid(3)))?.id,
      none: await latestDecision(c, 'res_nothing000'),
      list1: (await listDecisions(c, rid(1))).map((d) => d.id),
      perDay: [...(await decisionsPerDay(c, '2026-11-01'))],
      approvals: (await newestApprovals(c)).map((a) => [a.record.id, a.url, a.host, a.state]),
    }));
    expect(read.one).toEqual(
      decisionRecord({ id: did(2), resource: rid(2), signedAt: at(7), decision: 'approve' }),
    );
    expect(read.missing).toBeNull();
    expect(read.latest1).toBe(did(1));
    expect(read.latest3).toBe(did(5));
    expect(read.none).toBeNull();
    expect(read.list1).toEqual([did(1), did(3)]);
    expect(read.perDay).toEqual([['2026-11-22', 5]]);
    expect(read.approvals).toEqual([
      [did(2), 'https://shop2.example/p', 'shop2.example', 'reported'],
      [did(5), 'https://shop3.example/p', 'shop3.example', 'reported'],
    ]);
    await expect(db.write((tx) => tx.run('DELETE FROM decisions'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
  });

  it('keeps head time-stamps in order, the first query of a token, and the pending summary', async () => {
    const db = await engine.migrated();
    const head = (n: number) => ({
      at: at(n),
      headSeq: n,
      headHash: `h${n}`,
      reason: 'daily' as const,
      tsa: 'https://tsa.test',
      genTime: at(n),
      serialHex: `0${n}`,
      policy: '1.2.3',
      tsaName: n === 1 ? null : 'CN=TSA',
      statementSha256: sha(n),
      tokenSha256: sha(n + 1),
      querySha256: sha(n + 2),
    });
    const empty = await db.read(async (c) => ({
      latest: await latestHeadTimestamp(c),
      pending: await pendingTimestampSummary(c),
    }));
    expect(empty).toEqual({ latest: null, pending: { count: 0, oldestAt: null } });
    await db.write(async (tx) => {
      await seedParents(tx);
      await insertHeadTimestamp(tx, head(1));
      await insertHeadTimestamp(tx, head(3));
      await insertTimestampQuery(tx, sha(11), sha(12), at(1));
      await insertTimestampQuery(tx, sha(11), sha(13), at(2));
      // Sealed pending at minute 10 and 20; the first is retried (still pending) at minute 15.
      await insertCapture(
        tx,
        captureRecord({ id: cid(1), resource: rid(1), startedAt: at(10), manifest: 1, text: 2 }),
        at(10),
      );
      await insertTimestamp(tx, cid(1), { status: 'pending' }, at(15));
      await insertCapture(
        tx,
        captureRecord({ id: cid(2), resource: rid(2), startedAt: at(20), manifest: 4, text: 5 }),
        at(20),
      );
      await insertCapture(
        tx,
        captureRecord(
          { id: cid(3), resource: rid(2), startedAt: at(5), manifest: 7, text: 8 },
          { status: 'none' },
        ),
        at(5),
      );
    });
    const read = await db.read(async (c) => ({
      list: await listHeadTimestamps(c),
      latest: await latestHeadTimestamp(c),
      query: await queryOfToken(c, sha(11)),
      noQuery: await queryOfToken(c, sha(19)),
      pending: await pendingTimestampSummary(c),
    }));
    expect(read.list).toEqual([
      { id: 1, ...head(1) },
      { id: 2, ...head(3) },
    ]);
    expect(read.latest).toEqual({ id: 2, ...head(3) });
    expect(read.query).toBe(sha(12));
    expect(read.noQuery).toBeNull();
    expect(read.pending).toEqual({ count: 2, oldestAt: at(10) });
    await expect(
      db.write((tx) => tx.run("UPDATE audit_head_timestamps SET reason = 'manual'")),
    ).rejects.toMatchObject({ code: 'db.append-only' });
  });

  it('keeps hash lists version by version, entries in order, and assessments', async () => {
    const db = await engine.migrated();
    const list = (name: string, version: string, entryCount: number, n: number) => ({
      name,
      version,
      source: 'hotline',
      fileName: `${name}-${version}.csv`,
      fileSha256: sha(n),
      entryCount,
      importedBy: 'u-amina',
      importedAt: at(n),
    });
    const generation0 = await db.read((c) => hashKnowledgeGeneration(c));
    // More entries than one INSERT batch holds, so the batching is exercised on both engines.
    const many = Array.from({ length: 1203 }, (_, i) => ({
      sha256: sha(1000 + i),
      md5: null,
      pdq: null,
      label: 'suspected_csam',
    }));
    const seqs = await db.write(async (tx) => {
      const a1 = await insertHashList(tx, list('zeta', '1', 1, 1));
      await insertHashListEntries(tx, a1, [{ sha256: null, md5: 'a'.repeat(32), pdq: null, label: 'old' }]);
      const b1 = await insertHashList(tx, list('Alpha', '2026-01', many.length, 2));
      await insertHashListEntries(tx, b1, many);
      const a2 = await insertHashList(tx, list('zeta', '2', 2, 3));
      await insertHashListEntries(tx, a2, [
        { sha256: sha(7), md5: null, pdq: 'f'.repeat(64), label: 'known' },
        { sha256: null, md5: 'b'.repeat(32), pdq: null, label: 'known' },
      ]);
      const m1 = await insertAssessment(tx, {
        sha256: sha(8),
        md5: null,
        pdq: null,
        label: 'not_csam',
        captureId: null,
        assessedBy: 'boris',
        assessedAt: at(4),
      });
      const m2 = await insertAssessment(tx, {
        sha256: sha(8),
        md5: 'c'.repeat(32),
        pdq: null,
        label: 'suspected_csam',
        captureId: cid(1),
        assessedBy: 'boris',
        assessedAt: at(5),
      });
      return [a1, b1, a2, m1, m2];
    });
    expect(seqs).toEqual([1, 2, 3, 1, 2]);
    const read = await db.read(async (c) => ({
      lists: (await allHashLists(c)).map((l) => [l.seq, l.name, l.version, l.entryCount, l.fileName]),
      versions: await hashListVersions(c, 'zeta'),
      current: await currentHashListEntries(c),
      generation: await hashKnowledgeGeneration(c),
      assessments: (await allAssessments(c)).map((a) => [a.seq, a.label, a.md5, a.captureId]),
    }));
    expect(generation0).toBe('0:0');
    // Names in byte order, as SQLite compares text: capitals first.
    expect(read.lists).toEqual([
      [2, 'Alpha', '2026-01', 1203, 'Alpha-2026-01.csv'],
      [1, 'zeta', '1', 1, 'zeta-1.csv'],
      [3, 'zeta', '2', 2, 'zeta-2.csv'],
    ]);
    expect(read.versions).toEqual(['1', '2']);
    expect(read.current).toHaveLength(1205);
    expect(read.current[0]).toEqual({ list: 'Alpha', version: '2026-01', ...many[0] });
    expect(read.current[1202]).toEqual({ list: 'Alpha', version: '2026-01', ...many[1202] });
    expect(read.current.slice(1203)).toEqual([
      { list: 'zeta', version: '2', sha256: sha(7), md5: null, pdq: 'f'.repeat(64), label: 'known' },
      { list: 'zeta', version: '2', sha256: null, md5: 'b'.repeat(32), pdq: null, label: 'known' },
    ]);
    expect(read.generation).toBe('3:2');
    expect(read.assessments).toEqual([
      [1, 'not_csam', null, null],
      [2, 'suspected_csam', 'c'.repeat(32), cid(1)],
    ]);
    await expect(db.write((tx) => tx.run('DELETE FROM hash_list_entries'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
  });
});
