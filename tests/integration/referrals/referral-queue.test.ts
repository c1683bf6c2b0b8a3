import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { referralsOn, type ReferralsOnBackend } from '@core/referrals/referrals-backend';
import { CHROMIUM } from '@tests/helpers/chromium';
import { callAs } from '@tests/helpers/backend-calls';
import { approvalOf } from '@tests/helpers/decision-input';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';
import type { ReferralSummary, SendOutcome } from '@shared/domain/referral';

/**
 * Sending after the decision, with the clock injected: a notice asked for at 03:00 is queued for
 * 08:00 (custody event) and goes out when the queue runs inside the window; a reminder and an
 * escalation to the next recipient (a child referral) are sent like notices to a real SMTP server
 * on 127.0.0.1; the court bundle ZIP is attached, or named by its SHA-256 when above the size limit.
 */

const PASSWORD = 'correct horse battery';
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const HOUR = 3_600_000;

type Received = { to: string[]; raw: Buffer };

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
let svc: ReferralsOnBackend;
let smtp: SMTPServer;
const received: Received[] = [];
let resourceId: string;
// The test's clock runs with real time, shifted so the day starts at a known hour.
let shiftMs = 0;
const clock = (): Date => new Date(Date.now() + shiftMs);
/** Moves the clock forward so it reads `hh:mm` UTC (tomorrow, or later today when still ahead). */
const setTimeOfDay = (hhmm: string): Date => {
  const now = clock();
  const target = new Date(now);
  target.setUTCHours(Number(hhmm.slice(0, 2)), Number(hhmm.slice(3)), 0, 0);
  if (target.getTime() <= now.getTime()) target.setTime(target.getTime() + 24 * HOUR);
  shiftMs += target.getTime() - now.getTime();
  return target;
};

const ivan = { actor: 'ivan', role: 'investigator' } as const;

beforeAll(async () => {
  dir = tempDir('vigil-referral-queue-');
  site = await startFixtureSite();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  await new Promise<void>((ok) => smtp.listen(0, '127.0.0.1', ok));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  backend = await createBackend({ dataDir: dir.path, clock, env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=queue`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  const capture = await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  const decided = await callAs(backend, 'rita', 'review.decide', {
    resourceId,
    decision: approvalOf(`${site.http}/?case=queue`),
    password: PASSWORD,
  });
  if (!decided.ok) throw new Error(decided.error.message);

  svc = referralsOn(backend, { VIGIL_BROWSER: CHROMIUM });
  for (const [key, value] of [
    ['smtp.host', '127.0.0.1'],
    ['smtp.port', String(smtpPort)],
    ['smtp.from', 'referrals@unit.example'],
    ['sending.hours', '08:00-18:00'],
  ] as const)
    await svc.keyed.set(key, value, 'os:admin');
  for (const [name, kind, address] of [
    ['Host Q', 'hosting', 'abuse@host.example'],
    ['Registrar Q', 'registrar', 'abuse@registrar.example'],
  ] as const)
    await svc.referrals.addRecipient(
      { name, kind, channel: 'email', address, language: 'en', verified: true },
      ivan,
    );
}, 240_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  await new Promise<void>((ok) => (smtp ? smtp.close(() => ok()) : ok()));
  dir?.remove();
});

describe('sending hours, reminders, escalation and the court bundle', () => {
  let referralId: string;

  it('queues a notice asked for at 03:00 until the window opens at 08:00, then sends it from the queue', async () => {
    const r = await svc.referrals.create(
      resourceId,
      { recipient: 'Host Q', regime: 'dsa-art16-notice', attachBundle: true },
      ivan,
    );
    referralId = r.id;
    const night = setTimeOfDay('03:00');
    const first = await svc.referrals.dispatch(r.id, {}, ivan);
    if (first.outcome !== 'scheduled') throw new Error('expected the notice to be queued');
    const opening = new Date(night);
    opening.setUTCHours(8, 0, 0, 0);
    expect(first.scheduled).toMatchObject({ kind: 'notice', dueAt: opening.toISOString(), outcome: null });
    // Asking again does not queue a second notice.
    const again = await svc.referrals.dispatch(r.id, {}, ivan);
    expect(again.outcome === 'scheduled' ? again.scheduled.id : -1).toBe(first.scheduled.id);
    expect(received).toHaveLength(0);
    expect((await svc.referrals.history(r.id)).referral.state).toBe('draft');
    const custody = await backend.workspace.db.read((c) =>
      c.all<{ actor: string; details: string }>(
        "SELECT actor, details FROM audit WHERE subject = ? AND action = 'notice.scheduled'",
        [`referral:${r.id}`],
      ),
    );
    expect(custody.map((row) => [row.actor, (JSON.parse(row.details) as { dueAt: string }).dueAt])).toEqual([
      ['ivan', opening.toISOString()],
    ]);
    // Before the window nothing is due.
    expect(await svc.referrals.sendDue(ivan)).toEqual([]);

    setTimeOfDay('08:01');
    const ran = await svc.referrals.sendDue({ actor: 'os:admin', role: 'admin' });
    expect(ran.map((q) => [q.referralId, q.result])).toEqual([[r.id, 'sent']]);
    expect(received).toHaveLength(1);
    const h = await svc.referrals.history(r.id);
    expect(h.referral.state).toBe('sent');
    expect(h.scheduled).toMatchObject([
      { id: first.scheduled.id, outcome: 'sent', noticeId: ran[0]?.noticeId },
    ]);
    // The state change is the scheduler's, the queue run is the runner's.
    expect(h.events.at(-1)?.actor).toBe('ivan');
    expect(await svc.referrals.sendDue(ivan)).toEqual([]);

    // The bundle was small enough: the ZIP travels with the notice, its hash in the notice's evidence.
    const mail = await simpleParser(received[0]?.raw ?? Buffer.alloc(0));
    const zip = mail.attachments.find((a) => a.contentType === 'application/zip');
    if (zip === undefined) throw new Error('no bundle attached');
    const evidence = h.events.at(-1)?.evidence as { bundle?: { sha256: string; attached: boolean } };
    expect(evidence.bundle).toMatchObject({ sha256: sha256(zip.content), attached: true });
    expect(zip.content.subarray(0, 2).toString()).toBe('PK');
  }, 180_000);

  it('accepts a reminder over RPC: sent like a notice, the referral stays sent', async () => {
    const called = await callAs(backend, 'ivan', 'referrals.remind', { referralId });
    if (!called.ok) throw new Error(called.error.message);
    const out = called.value as SendOutcome;
    if (out.outcome !== 'sent') throw new Error('expected the reminder to go out');
    expect(out.notice.kind).toBe('reminder');
    expect(received).toHaveLength(2);
    expect(received[1]?.to).toEqual(['abuse@host.example']);
    expect((await svc.referrals.history(referralId)).referral.state).toBe('sent');
  }, 120_000);

  it('escalates to the registrar as a child referral; a bundle above the limit is named by its SHA-256', async () => {
    await svc.keyed.set('notice.maxAttachmentBytes', '1000', 'os:admin');
    const called = await callAs(backend, 'ivan', 'referrals.escalate', {
      referralId,
      recipient: 'Registrar Q',
    });
    if (!called.ok) throw new Error(called.error.message);
    const out = called.value as { referral: ReferralSummary; sent: SendOutcome };
    expect(out.referral).toMatchObject({ parentId: referralId, state: 'sent', recipientName: 'Registrar Q' });
    if (out.sent.outcome !== 'sent') throw new Error('expected the escalation to go out');
    expect(out.sent.notice.kind).toBe('escalation');
    expect(received).toHaveLength(3);
    expect(received[2]?.to).toEqual(['abuse@registrar.example']);
    const mail = await simpleParser(received[2]?.raw ?? Buffer.alloc(0));
    expect(mail.attachments.some((a) => a.contentType === 'application/zip')).toBe(false);
    const h = await svc.referrals.history(out.referral.id);
    const bundle = (h.events.at(-1)?.evidence as { bundle?: { sha256: string; attached: boolean } }).bundle;
    expect(bundle?.attached).toBe(false);
    expect(mail.text).toContain(`SHA-256 ${bundle?.sha256}`);
    const escalated = await backend.workspace.db.read((c) =>
      c.all<{ details: string }>(
        "SELECT details FROM audit WHERE subject = ? AND action = 'referral.escalated'",
        [`referral:${referralId}`],
      ),
    );
    expect(escalated.map((row) => (JSON.parse(row.details) as { childId: string }).childId)).toEqual([
      out.referral.id,
    ]);
    // Only a referral still awaiting an answer is escalated.
    await svc.referrals.record(referralId, 'removed', {}, ivan);
    await expect(svc.referrals.escalate(referralId, { recipient: 'Registrar Q' }, ivan)).rejects.toThrow(
      /awaiting an answer/,
    );
  }, 120_000);
});
