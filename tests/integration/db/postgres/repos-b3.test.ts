import { describe, expect, it } from 'vitest';
import {
  cliSessionByToken,
  endCliSession,
  insertCliSession,
  touchCliSession,
} from '@core/db/repositories/cli-sessions-repo';
import {
  caseById,
  caseByRef,
  resourcesByIds,
  resourcesOfCase,
  usersByNames,
} from '@core/db/repositories/exports-repo';
import {
  advanceImportJob,
  findOpenImportJob,
  finishImportJob,
  insertImportJob,
} from '@core/db/repositories/import-jobs-repo';
import {
  captureExists,
  decisionExists,
  insertImportedCase,
  insertImportedDecision,
  insertImportedResource,
  localResourceId,
  noteImportedCapture,
} from '@core/db/repositories/imports-repo';
import {
  countBases,
  getLatestBasis,
  insertBasis,
  listLatestBases,
} from '@core/db/repositories/legal-bases-repo';
import {
  flagHistory,
  flaggedAmong,
  insertFlagEvent,
  latestFlagEvent,
} from '@core/db/repositories/resource-flags-repo';
import { insertRevocation, listRevocations } from '@core/db/repositories/revocations-repo';
import {
  clearSignInFailures,
  lockedUserIds,
  signInFailuresOf,
  writeSignInFailures,
} from '@core/db/repositories/sign-in-lockouts-repo';
import {
  currentlyTrusted,
  decisionOrigins,
  insertDecisionOrigin,
  insertTrustRow,
  trustHistory,
} from '@core/db/repositories/trust-repo';
import {
  csamAuthorised,
  exposureByUserDay,
  insertCsamAuthorisation,
  insertReveal,
  insertRevealEnd,
  openReveal,
  openRevealsOf,
} from '@core/db/repositories/wellbeing-repo';
import type { LegalBasis } from '@shared/domain/decision';
import { dbEngines } from '@tests/helpers/db-engines';
import { at, decisionRecord, did, rid, seedParents, sha } from './repos-b-fixtures';

/**
 * Bundle export and import, the legal-basis catalogue, trust and revocations, sessions, import jobs,
 * flags, sign-in lockouts and reviewer wellbeing on both engines: the same calls, the same answers.
 */
const engines = dbEngines();

const basis = (id: string, version: number, title: string): LegalBasis => ({
  id: id as LegalBasis['id'],
  version,
  jurisdiction: 'KZ',
  instrument: 'Code',
  article: `Art. ${version}`,
  title,
  referenceUrl: 'https://example.test/code',
  defaultCategory: null,
  example: true,
});

describe.each(engines)('bundles, trust and accounts on $name', (engine) => {
  it('reads what an export needs and adds what an import brings, changing nothing already here', async () => {
    const db = await engine.migrated();
    await db.write(async (tx) => {
      await seedParents(tx);
      await insertImportedCase(
        tx,
        { id: 'c-2', ref: 'OP-8', title: 'Op eight', language: 'ru' },
        at(9),
        'u-amina',
      );
      const resource = {
        id: rid(7),
        caseId: 'c-2',
        url: 'https://new.example/',
        displayUrl: 'https://new.example/',
        host: 'new.example',
        state: 'approved' as const,
      };
      await insertImportedResource(tx, resource, at(9));
      await noteImportedCapture(tx, rid(7), at(30));
      // An older capture counts but does not move the last capture time back.
      await noteImportedCapture(tx, rid(7), at(20));
      const record = decisionRecord({ id: did(7), resource: rid(7), signedAt: at(25), decision: 'approve' });
      await insertImportedDecision(tx, record, rid(7), null, JSON.stringify(record));
    });
    const read = await db.read(async (c) => ({
      byRef: await caseByRef(c, 'OP-8'),
      byId: await caseById(c, 'c-1'),
      noCase: await caseByRef(c, 'OP-0'),
      ofCase: (await resourcesOfCase(c, 'c-1')).map((r) => r.id),
      byIds: await resourcesByIds(c, [rid(7), rid(3), 'res_nothing000']),
      users: (await usersByNames(c, ['boris', 'amina', 'nobody'])).sort((a, b) => (a.name < b.name ? -1 : 1)),
      localById: await localResourceId(c, rid(1), 'https://other.example/'),
      localByUrl: await localResourceId(c, 'res_elsewhere00', 'https://shop2.example/p'),
      notLocal: await localResourceId(c, 'res_elsewhere00', 'https://other.example/'),
      counted: await c.get<{ capture_count: number; last_captured_at: string }>(
        'SELECT capture_count, last_captured_at FROM resources WHERE id = ?',
        [rid(7)],
      ),
      exists: [
        await captureExists(c, 'cap_0000000001'),
        await decisionExists(c, did(7)),
        await decisionExists(c, did(8)),
      ],
    }));
    expect(read.byRef).toEqual({ id: 'c-2', ref: 'OP-8', title: 'Op eight', language: 'ru' });
    expect(read.byId).toMatchObject({ id: 'c-1', ref: 'OP-7' });
    expect(read.noCase).toBeNull();
    expect(read.ofCase).toEqual([rid(1), rid(2)]);
    expect(read.byIds).toEqual([
      {
        id: rid(3),
        url: 'https://shop3.example/p',
        displayUrl: 'https://shop3.example/p',
        host: 'shop3.example',
        state: 'reported',
        caseId: null,
      },
      {
        id: rid(7),
        url: 'https://new.example/',
        displayUrl: 'https://new.example/',
        host: 'new.example',
        state: 'approved',
        caseId: 'c-2',
      },
    ]);
    expect(read.users).toEqual([
      { name: 'amina', certificatePem: 'cert-amina', publicKeyPem: 'pub-amina' },
      { name: 'boris', certificatePem: 'cert-boris', publicKeyPem: 'pub-boris' },
    ]);
    expect([read.localById, read.localByUrl, read.notLocal]).toEqual([rid(1), rid(2), null]);
    expect(read.counted).toEqual({ capture_count: 2, last_captured_at: at(30) });
    expect(read.exists).toEqual([false, true, false]);
  });

  it('keeps every version of a legal basis and offers the newest of each', async () => {
    const db = await engine.migrated();
    expect(await db.read((c) => countBases(c))).toBe(0);
    await db.write(async (tx) => {
      await insertBasis(tx, basis('lb_zzzzzzzzzz', 1, 'Z one'), at(1), 'u-admin');
      await insertBasis(tx, basis('lb_aaaaaaaaaa', 1, 'A one'), at(2), 'u-admin');
      await insertBasis(tx, basis('lb_zzzzzzzzzz', 2, 'Z two'), at(3), 'u-admin');
    });
    const read = await db.read(async (c) => ({
      latest: (await listLatestBases(c)).map((b) => [b.id, b.version, b.title]),
      one: await getLatestBasis(c, 'lb_zzzzzzzzzz'),
      none: await getLatestBasis(c, 'lb_nothing000'),
      count: await countBases(c),
    }));
    expect(read.latest).toEqual([
      ['lb_aaaaaaaaaa', 1, 'A one'],
      ['lb_zzzzzzzzzz', 2, 'Z two'],
    ]);
    expect(read.one).toEqual(basis('lb_zzzzzzzzzz', 2, 'Z two'));
    expect([read.none, read.count]).toEqual([null, 3]);
  });

  it('keeps trust decisions, decision origins and revocations; repeats change nothing', async () => {
    const db = await engine.migrated();
    const trust = (fp: number, action: 'trust' | 'withdraw', name: string, minute: number) => ({
      certificateSha256: sha(fp),
      action,
      name,
      subject: `CN=${name}`,
      certificatePem: `pem-${fp}`,
      at: at(minute),
      actor: 'admin',
    });
    const revocation = (serialHex: string, minute: number) => ({
      serialHex,
      certificateSha256: sha(minute),
      userId: 'u-amina',
      reason: 'superseded' as const,
      revokedAt: at(minute),
      revokedBy: 'admin',
    });
    await db.write(async (tx) => {
      await seedParents(tx);
      await insertTrustRow(tx, trust(1, 'trust', 'unit one', 1));
      await insertTrustRow(tx, trust(2, 'trust', 'Unit two', 2));
      await insertTrustRow(tx, trust(3, 'trust', 'unit three', 3));
      await insertTrustRow(tx, trust(3, 'withdraw', 'unit three', 4));
      await insertDecision(tx, did(1));
      const origin = { decisionId: did(1), caSha256: sha(2), unit: 'Unit two', importedAt: at(5) };
      await insertDecisionOrigin(tx, origin);
      await insertDecisionOrigin(tx, { ...origin, unit: 'someone else' });
      await insertRevocation(tx, revocation('0b', 7));
      await insertRevocation(tx, revocation('0A', 7));
      await insertRevocation(tx, revocation('01', 6));
      await insertRevocation(tx, { ...revocation('01', 9), reason: 'keyCompromise' });
    });
    const read = await db.read(async (c) => ({
      trusted: (await currentlyTrusted(c)).map((t) => [t.seq, t.name]),
      history: (await trustHistory(c)).map((t) => [t.seq, t.action, t.certificateSha256.slice(-1)]),
      origins: [...(await decisionOrigins(c))],
      revocations: (await listRevocations(c)).map((r) => [r.serialHex, r.reason, r.revokedAt]),
    }));
    expect(read.trusted).toEqual([
      [2, 'Unit two'],
      [1, 'unit one'],
    ]);
    expect(read.history).toEqual([
      [1, 'trust', '1'],
      [2, 'trust', '2'],
      [3, 'trust', '3'],
      [4, 'withdraw', '3'],
    ]);
    expect(read.origins).toEqual([
      [did(1), { decisionId: did(1), caSha256: sha(2), unit: 'Unit two', importedAt: at(5) }],
    ]);
    expect(read.revocations).toEqual([
      ['01', 'superseded', at(6)],
      ['0A', 'superseded', at(7)],
      ['0b', 'superseded', at(7)],
    ]);
  });
});

/** A decision row for origins to point at (the origin table references decisions). */
async function insertDecision(tx: Parameters<typeof insertImportedDecision>[0], id: string): Promise<void> {
  const record = decisionRecord({ id, resource: rid(1), signedAt: at(5), decision: 'approve' });
  await insertImportedDecision(tx, record, rid(1), null, JSON.stringify(record));
}

describe.each(engines)('sessions, jobs, flags, lockouts and wellbeing on $name', (engine) => {
  it('keeps sign-in sessions and import jobs', async () => {
    const db = await engine.migrated();
    const session = {
      tokenSha256: sha(1),
      userId: 'u-amina',
      createdAt: at(1),
      lastUsedAt: at(1),
      idleExpiresAt: at(31),
      expiresAt: at(59),
      keyEnc: '{"k":1}',
      endedAt: null,
    };
    const ended = await db.write(async (tx) => {
      await seedParents(tx);
      await insertCliSession(tx, session);
      await touchCliSession(tx, sha(1), at(10), at(40));
      await insertImportJob(tx, {
        id: 'job-1',
        sha256: sha(2),
        fileName: 'a.csv',
        options: '{}',
        actor: 'amina',
        startedAt: at(1),
      });
      await insertImportJob(tx, {
        id: 'job-2',
        sha256: sha(2),
        fileName: 'a.csv',
        options: '{}',
        actor: 'amina',
        startedAt: at(2),
      });
      await advanceImportJob(tx, 'job-2', 500, { added: 400, merged: 90, rejected: 10 });
      // A batch that committed earlier never moves the job back.
      await advanceImportJob(tx, 'job-2', 100, { added: 1, merged: 1, rejected: 1 });
      await finishImportJob(tx, 'job-1', at(3));
      return [await endCliSession(tx, sha(1), at(20)), await endCliSession(tx, sha(1), at(21))];
    });
    expect(ended).toEqual([true, false]);
    const read = await db.read(async (c) => ({
      session: await cliSessionByToken(c, sha(1)),
      noSession: await cliSessionByToken(c, sha(2)),
      open: await findOpenImportJob(c, sha(2), '{}'),
      otherOptions: await findOpenImportJob(c, sha(2), '{"x":1}'),
    }));
    expect(read.session).toEqual({ ...session, lastUsedAt: at(10), idleExpiresAt: at(40), endedAt: at(20) });
    expect(read.noSession).toBeNull();
    expect(read.open).toEqual({
      id: 'job-2',
      sha256: sha(2),
      fileName: 'a.csv',
      options: '{}',
      actor: 'amina',
      startedAt: at(2),
      linesDone: 500,
      added: 400,
      merged: 90,
      rejected: 10,
    });
    expect(read.otherOptions).toBeNull();
  });

  it('keeps flag events and sign-in failures', async () => {
    const db = await engine.migrated();
    const flag = (resource: string, event: 'raised' | 'lifted', minute: number) => ({
      resourceId: resource,
      event,
      source: 'investigator' as const,
      reason: `${event} at ${minute}`,
      actor: 'amina',
      at: at(minute),
    });
    await db.write(async (tx) => {
      await seedParents(tx);
      await insertFlagEvent(tx, flag(rid(1), 'raised', 1));
      await insertFlagEvent(tx, flag(rid(2), 'raised', 2));
      await insertFlagEvent(tx, flag(rid(2), 'lifted', 3));
      await writeSignInFailures(tx, { userId: 'u-amina', failures: 1, lastFailureAt: at(1), lockedAt: null });
      await writeSignInFailures(tx, {
        userId: 'u-amina',
        failures: 5,
        lastFailureAt: at(2),
        lockedAt: at(2),
      });
      await writeSignInFailures(tx, {
        userId: 'u-boris',
        failures: 5,
        lastFailureAt: at(3),
        lockedAt: at(3),
      });
      await clearSignInFailures(tx, 'u-boris');
    });
    const read = await db.read(async (c) => ({
      latest: await latestFlagEvent(c, rid(2)),
      never: await latestFlagEvent(c, rid(3)),
      history: (await flagHistory(c, rid(2))).map((e) => e.event),
      flagged: [...(await flaggedAmong(c, [rid(1), rid(2), rid(3)]))],
      flaggedNone: [...(await flaggedAmong(c, []))],
      failures: await signInFailuresOf(c, 'u-amina'),
      cleared: await signInFailuresOf(c, 'u-boris'),
      locked: [...(await lockedUserIds(c))],
    }));
    expect(read.latest).toEqual(flag(rid(2), 'lifted', 3));
    expect(read.never).toBeNull();
    expect(read.history).toEqual(['raised', 'lifted']);
    expect(read.flagged).toEqual([rid(1)]);
    expect(read.flaggedNone).toEqual([]);
    expect(read.failures).toEqual({ userId: 'u-amina', failures: 5, lastFailureAt: at(2), lockedAt: at(2) });
    expect(read.cleared).toBeNull();
    expect(read.locked).toEqual(['u-amina']);
    await expect(db.write((tx) => tx.run('DELETE FROM resource_flag_events'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
  });

  it('adds up exposure per user and day, and keeps the restricted-vault authorisations', async () => {
    const db = await engine.migrated();
    const reveal = (id: string, user: string, day: string, started: string) => ({
      id,
      userId: user,
      resourceId: rid(1),
      sha256: sha(1),
      startedAt: started,
      day,
    });
    await db.write(async (tx) => {
      await seedParents(tx);
      await insertReveal(tx, reveal('rv-1', 'u-boris', '2026-11-22', at(1)));
      await insertReveal(tx, reveal('rv-2', 'u-boris', '2026-11-22', at(2)));
      await insertReveal(tx, reveal('rv-3', 'u-boris', '2026-11-22', at(3)));
      await insertReveal(tx, reveal('rv-4', 'u-amina', '2026-11-22', at(4)));
      await insertReveal(tx, reveal('rv-5', 'u-boris', '2026-11-21', '2026-11-21T09:00:00.000Z'));
      await insertRevealEnd(tx, { revealId: 'rv-1', endedAt: at(2), durationMs: 1500, how: 'hidden' });
      await insertRevealEnd(tx, { revealId: 'rv-2', endedAt: at(3), durationMs: 2500, how: 'left' });
      await insertRevealEnd(tx, { revealId: 'rv-5', endedAt: at(3), durationMs: 700, how: 'next-sign-in' });
      await insertCsamAuthorisation(tx, {
        userId: 'u-boris',
        authorised: true,
        actor: 'admin',
        reason: 'vault',
        at: at(1),
      });
      await insertCsamAuthorisation(tx, {
        userId: 'u-amina',
        authorised: true,
        actor: 'admin',
        reason: 'vault',
        at: at(1),
      });
      await insertCsamAuthorisation(tx, {
        userId: 'u-amina',
        authorised: false,
        actor: 'admin',
        reason: 'moved',
        at: at(2),
      });
    });
    const read = await db.read(async (c) => ({
      all: await exposureByUserDay(c, {}),
      boris: await exposureByUserDay(c, { userId: 'u-boris', sinceDay: '2026-11-22' }),
      day: (await exposureByUserDay(c, { day: '2026-11-21' })).map((d) => d.userName),
      open: await openReveal(c, 'rv-3'),
      ended: await openReveal(c, 'rv-1'),
      openOf: (await openRevealsOf(c, 'u-boris')).map((r) => r.id),
      authorised: [
        await csamAuthorised(c, 'u-boris'),
        await csamAuthorised(c, 'u-amina'),
        await csamAuthorised(c, 'u-x'),
      ],
    }));
    const amina = { userName: 'amina', day: '2026-11-22', reveals: 1, revealedMs: 0, open: 1 };
    const boris = { userName: 'boris', day: '2026-11-22', reveals: 3, revealedMs: 4000, open: 1 };
    expect(read.all).toEqual([
      amina,
      boris,
      { userName: 'boris', day: '2026-11-21', reveals: 1, revealedMs: 700, open: 0 },
    ]);
    expect(read.boris).toEqual([boris]);
    expect(read.day).toEqual(['boris']);
    expect(read.open).toEqual({
      id: 'rv-3',
      userId: 'u-boris',
      resourceId: rid(1),
      sha256: sha(1),
      startedAt: at(3),
    });
    expect(read.ended).toBeNull();
    expect(read.openOf).toEqual(['rv-3']);
    expect(read.authorised).toEqual([true, false, false]);
  });
});
