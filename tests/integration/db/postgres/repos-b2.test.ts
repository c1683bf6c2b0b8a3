import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WriteConn } from '@core/db/database';
import { migrate } from '@core/db/migrate';
import { MIGRATIONS } from '@core/db/migrations/index';
import { openPostgresDatabase } from '@core/db/postgres-database';
import { captureArtifactSha256, insertRecheck, listRechecks } from '@core/db/repositories/rechecks-repo';
import {
  getAppeal,
  insertAppeal,
  insertAppealDecision,
  listAppeals,
} from '@core/db/repositories/appeals-repo';
import {
  appendReferralEvent,
  getRecipient,
  getRecipientByName,
  getReferral,
  insertNotice,
  insertNoticeTemplateVersion,
  insertRecipient,
  listNotices,
  listRecipients,
  listReferralEvents,
  listReferralEventsSince,
  listReferrals,
  markRecipientVerified,
  noticeTemplateHash,
  referralState,
} from '@core/db/repositories/referrals-repo';
import {
  dueScheduledSends,
  insertScheduledSend,
  scheduledSendsOf,
  settleScheduledSend,
} from '@core/db/repositories/scheduled-sends-repo';
import { dbEngines } from '@tests/helpers/db-engines';
import {
  at,
  cid,
  clock,
  did,
  fid,
  notice,
  recipient,
  recorder,
  rid,
  seedParents,
  seedReferrals,
  sha,
} from './repos-b-fixtures';

/**
 * Recipients, referrals and their events, notices, appeals, re-checks and scheduled sends on both
 * engines: keys handed back by inserts, states from the newest event, and the custody rows beside them.
 */
const engines = dbEngines();

describe.each(engines)('referrals, re-checks and scheduled sends on $name', (engine) => {
  it('keeps recipients, and lists them by name in byte order', async () => {
    const db = await engine.migrated();
    await db.write(async (tx) => {
      await seedReferrals(tx);
      await markRecipientVerified(tx, recipient(2, '').id, 'u-boris', at(30));
    });
    const read = await db.read(async (c) => ({
      all: (await listRecipients(c)).map((r) => [r.name, r.verified, r.verifiedBy]),
      byName: await getRecipientByName(c, 'Acme'),
      byId: (await getRecipient(c, recipient(1, '').id))?.name,
      none: await getRecipientByName(c, 'nobody'),
    }));
    expect(read.all).toEqual([
      ['Acme', true, 'u-boris'],
      ['zed hosting', false, null],
    ]);
    expect(read.byName).toEqual({
      ...recipient(2, 'Acme'),
      verified: true,
      verifiedBy: 'u-boris',
      verifiedAt: at(30),
    });
    expect(read.byId).toBe('zed hosting');
    expect(read.none).toBeNull();
  });

  it('moves referrals through events with their custody rows, lists and filters them', async () => {
    const db = await engine.migrated();
    const sent = await db.write(async (tx) => {
      await seedReferrals(tx);
      const event = await appendReferralEvent(tx, recorder(tx), {
        referralId: fid(1),
        at: at(20),
        actor: 'amina',
        fromState: 'draft',
        toState: 'sent',
        evidence: { noticeSha256: sha(3) },
      });
      const first = await insertNotice(tx, notice(fid(1), 20));
      const second = await insertNotice(tx, notice(fid(1), 25));
      await appendReferralEvent(tx, recorder(tx), {
        referralId: fid(1),
        at: at(40),
        actor: 'amina',
        fromState: 'sent',
        toState: 'refused',
        reason: 'needs_court_order',
        note: 'asked for an order',
      });
      return { event, first, second };
    });
    expect(sent.event).toMatchObject({ seq: 4, referralId: fid(1), fromState: 'draft', toState: 'sent' });
    expect(sent.event.evidence).toEqual({ noticeSha256: sha(3) });
    expect([sent.first, sent.second]).toEqual([1, 2]);
    // A change made against a state that is no longer current is refused, and nothing is written.
    await expect(
      db.write((tx) =>
        appendReferralEvent(tx, recorder(tx), {
          referralId: fid(1),
          at: at(41),
          actor: 'amina',
          fromState: 'sent',
          toState: 'removed',
        }),
      ),
    ).rejects.toMatchObject({ code: 'review.invalid-transition' });
    const read = await db.read(async (c) => ({
      all: (await listReferrals(c)).map((r) => [r.id, r.state, r.sentAt, r.lastEventAt, r.recipientName]),
      ofResource: (await listReferrals(c, { resourceId: rid(2) })).map((r) => r.id),
      drafts: (await listReferrals(c, { states: ['draft'], limit: 1 })).map((r) => r.id),
      sentOnly: (await listReferrals(c, { sentOnly: true })).map((r) => r.id),
      one: await getReferral(c, fid(3)),
      missing: await getReferral(c, fid(9)),
      state: await referralState(c, fid(1)),
      noState: await referralState(c, fid(9)),
      events: (await listReferralEvents(c, fid(1))).map((e) => [e.seq, e.toState, e.reason, e.note]),
      since: (await listReferralEventsSince(c, at(13))).map((e) => e.seq),
      notices: (await listNotices(c, fid(1))).map((n) => [n.id, n.sentAt, n.messageId]),
      audit: await c.all<{ n: number }>(
        "SELECT count(*) AS n FROM audit WHERE action = 'referral.state-changed'",
      ),
    }));
    expect(read.all).toEqual([
      [fid(3), 'draft', null, at(13), 'Acme'],
      [fid(2), 'draft', null, at(12), 'Acme'],
      [fid(1), 'refused', at(20), at(40), 'zed hosting'],
    ]);
    expect(read.ofResource).toEqual([fid(2)]);
    expect(read.drafts).toEqual([fid(3)]);
    expect(read.sentOnly).toEqual([fid(1)]);
    expect(read.one).toMatchObject({
      id: fid(3),
      parentId: fid(1),
      url: 'https://shop1.example/p',
      templateVersion: 1,
    });
    expect(read.missing).toBeNull();
    expect([read.state, read.noState]).toEqual(['refused', null]);
    expect(read.events).toEqual([
      [1, 'draft', null, null],
      [4, 'sent', null, null],
      [5, 'refused', 'needs_court_order', 'asked for an order'],
    ]);
    expect(read.since).toEqual([3, 4, 5]);
    expect(read.notices).toEqual([
      [1, at(20), '<m20@vigil>'],
      [2, at(25), '<m25@vigil>'],
    ]);
    expect(read.audit).toEqual([{ n: 5 }]);
  });

  it('keeps appeals and their one signed decision, and notice template versions', async () => {
    const db = await engine.migrated();
    const appeal = (n: number, minute: number) => ({
      id: `apl_${String(n).padStart(10, '0')}`,
      resourceId: rid(1),
      text: `please lift ${n}`,
      byName: n === 1 ? 'Owner' : null,
      receivedAt: at(minute),
      createdBy: 'u-amina',
    });
    const signed = {
      appealId: appeal(1, 0).id,
      resourceId: rid(1),
      url: 'https://shop1.example/p',
      outcome: 'lift',
      explanation: 'the page is gone',
      challengedDecisionId: did(1),
      appealTextSha256: sha(4),
      reviewer: { name: 'boris', displayName: 'BORIS', certificateSha256: 'ab'.repeat(32) },
      signedAt: at(50),
      signature: { alg: 'ES256', keyId: 'usr-boris', value: 'sig' },
    } as const;
    await db.write(async (tx) => {
      await seedReferrals(tx);
      await insertAppeal(tx, appeal(2, 31));
      await insertAppeal(tx, appeal(1, 30));
      await insertAppealDecision(tx, signed as Parameters<typeof insertAppealDecision>[1], 'lifted');
      await insertNoticeTemplateVersion(tx, {
        id: 'dsa-16',
        version: 1,
        sha256: sha(5),
        record: '{}',
        createdAt: at(1),
      });
    });
    await expect(
      db.write((tx) =>
        insertAppealDecision(tx, signed as Parameters<typeof insertAppealDecision>[1], 'upheld'),
      ),
    ).rejects.toThrow(/unique|UNIQUE/);
    const read = await db.read(async (c) => ({
      one: await getAppeal(c, appeal(1, 0).id),
      missing: await getAppeal(c, 'apl_0000000009'),
      list: (await listAppeals(c, rid(1))).map((a) => [a.id, a.state, a.byName]),
      template: await noticeTemplateHash(c, 'dsa-16', 1),
      noTemplate: await noticeTemplateHash(c, 'dsa-16', 2),
    }));
    expect(read.one).toEqual({ ...appeal(1, 30), state: 'lifted', decision: signed });
    expect(read.missing).toBeNull();
    expect(read.list).toEqual([
      [appeal(1, 0).id, 'lifted', 'Owner'],
      [appeal(2, 0).id, 'open', null],
    ]);
    expect([read.template, read.noTemplate]).toEqual([sha(5), null]);
  });

  it('keeps re-checks in order and finds the artifact a re-check compares against', async () => {
    const db = await engine.migrated();
    const recheck = (minute: number, classification: 'still_there' | 'removed') => ({
      referralId: fid(1),
      resourceId: rid(1),
      at: at(minute),
      classification,
      reason: `checked at ${minute}`,
      status: classification === 'removed' ? 404 : 200,
      finalUrl: classification === 'removed' ? null : 'https://shop1.example/p',
      textSha256: sha(2),
      domSha256: null,
      captureId: minute === 30 ? cid(1) : null,
      actor: 'amina',
    });
    const written = await db.write(async (tx) => {
      await seedReferrals(tx);
      return [
        await insertRecheck(tx, recheck(30, 'still_there')),
        await insertRecheck(tx, recheck(45, 'removed')),
      ];
    });
    expect(written).toEqual([
      { seq: 1, ...recheck(30, 'still_there') },
      { seq: 2, ...recheck(45, 'removed') },
    ]);
    const read = await db.read(async (c) => ({
      list: await listRechecks(c, fid(1)),
      other: await listRechecks(c, fid(2)),
      text: await captureArtifactSha256(c, cid(1), 'text'),
      dom: await captureArtifactSha256(c, cid(1), 'dom'),
      none: await captureArtifactSha256(c, cid(9), 'text'),
    }));
    expect(read.list).toEqual(written);
    expect(read.other).toEqual([]);
    expect([read.text, read.dom, read.none]).toEqual([sha(2), sha(3), null]);
    await expect(db.write((tx) => tx.run('DELETE FROM rechecks'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
  });

  it('schedules sends, settles each once, and lists what is due', async () => {
    const db = await engine.migrated();
    const schedule = (tx: WriteConn, referral: string, dueMinute: number) =>
      insertScheduledSend(tx, recorder(tx), {
        referralId: referral,
        kind: 'notice',
        dueAt: at(dueMinute),
        at: at(20),
        actor: 'amina',
        role: 'investigator',
        window: { from: '08:00', to: '18:00' },
      });
    const made = await db.write(async (tx) => {
      await seedReferrals(tx);
      const a = await schedule(tx, fid(1), 50);
      const b = await schedule(tx, fid(2), 40);
      const c = await schedule(tx, fid(1), 45);
      const noticeId = await insertNotice(tx, notice(fid(1), 46));
      await settleScheduledSend(tx, recorder(tx), {
        schedule: c,
        at: at(46),
        actor: 'amina',
        outcome: 'sent',
        noticeId,
        detail: null,
      });
      return [a, b, c];
    });
    expect(made.map((s) => [s.id, s.referralId, s.dueAt, s.outcome, s.createdByRole])).toEqual([
      [1, fid(1), at(50), null, 'investigator'],
      [2, fid(2), at(40), null, 'investigator'],
      [3, fid(1), at(45), null, 'investigator'],
    ]);
    const read = await db.read(async (c) => ({
      due45: (await dueScheduledSends(c, at(45))).map((s) => s.id),
      due59: (await dueScheduledSends(c, at(59))).map((s) => s.id),
      of1: (await scheduledSendsOf(c, fid(1))).map((s) => [s.id, s.outcome, s.noticeId]),
      audit: await c.all<{ action: string; details: string }>(
        "SELECT action, details FROM audit WHERE action LIKE 'notice.%' ORDER BY seq",
      ),
    }));
    expect(read.due45).toEqual([2]);
    expect(read.due59).toEqual([2, 1]);
    expect(read.of1).toEqual([
      [1, null, null],
      [3, 'sent', 1],
    ]);
    expect(
      read.audit.map((a) => [a.action, (JSON.parse(a.details) as { scheduleId: number }).scheduleId]),
    ).toEqual([
      ['notice.scheduled', 1],
      ['notice.scheduled', 2],
      ['notice.scheduled', 3],
      ['notice.schedule-settled', 3],
    ]);
    const settled = made[2];
    if (settled === undefined) throw new Error('three schedules were made');
    // Settling twice is refused by the outcome's key: a schedule has one fate.
    await expect(
      db.write((tx) =>
        settleScheduledSend(tx, recorder(tx), {
          schedule: settled,
          at: at(47),
          actor: 'amina',
          outcome: 'cancelled',
          noticeId: null,
          detail: 'again',
        }),
      ),
    ).rejects.toThrow();
  });
});

const postgres = engines.find((e) => e.name === 'postgres');

describe("on a PostgreSQL server whose default collation is a language's", () => {
  it('still lists names in byte order, as SQLite does', async () => {
    if (postgres === undefined) throw new Error('no PostgreSQL engine');
    // A database on the same cluster with an ICU English collation, where "alice" sorts before "Zoe".
    const admin = new URL((await postgres.open()).path);
    const name = `vigil_icu_${Date.now()}`;
    const url = new URL(admin.toString());
    url.pathname = `/${name}`;
    admin.pathname = '/postgres';
    const setup = await openPostgresDatabase(admin.toString());
    try {
      await setup.raw.exec(
        `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'en'`,
      );
    } finally {
      await setup.close();
    }
    const db = await openPostgresDatabase(url.toString());
    try {
      await migrate(db, MIGRATIONS, { backupDir: join('/nonexistent', 'backups'), clock });
      await db.write(async (tx) => {
        await seedParents(tx);
        await insertRecipient(tx, recipient(1, 'alice'), 'u-amina');
        await insertRecipient(tx, recipient(2, 'Zoe'), 'u-amina');
      });
      const read = await db.read(async (c) => ({
        plain: (await c.all<{ name: string }>('SELECT name FROM recipients ORDER BY name')).map(
          (r) => r.name,
        ),
        listed: (await listRecipients(c)).map((r) => r.name),
      }));
      // The server's own order differs (the check that this database really is a language's) …
      expect(read.plain).toEqual(['alice', 'Zoe']);
      // … and the repository's does not.
      expect(read.listed).toEqual(['Zoe', 'alice']);
    } finally {
      await db.close();
    }
  });
});
