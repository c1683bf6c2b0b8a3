import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { referralsOn, type ReferralsOnBackend } from '@core/referrals/referrals-backend';
import { verifyAppealDecision } from '@core/referrals/appeal-service';
import type { DecisionRecord } from '@shared/domain/decision';
import { isAppError } from '@shared/errors/app-error';
import { CHROMIUM } from '@tests/helpers/chromium';
import { callAs } from '@tests/helpers/backend-calls';
import { approvalOf } from '@tests/helpers/decision-input';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * The chain after a decision on real parts: an approval signed by a reviewer, a referral under the
 * DSA Art. 16 template, its notice rendered by Chromium and sent to a real SMTP server on
 * 127.0.0.1, the recipient's answers recorded through the transition table, and an appeal that a
 * second reviewer lifts with a signed decision (lift notice to the same recipient).
 */

const PASSWORD = 'correct horse battery';
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

type Received = { from: string; to: string[]; raw: Buffer };

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
let svc: ReferralsOnBackend;
let smtp: SMTPServer;
let smtpPort: number;
const received: Received[] = [];
let resourceId: string;
let decision: DecisionRecord;
let packetSha256: string;

const admin = { actor: 'os:admin', role: 'admin' } as const;
const ivan = { actor: 'ivan', role: 'investigator' } as const;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

const blob = (sha: string): Buffer => readFileSync(backend.workspace.blobs.pathOf(sha));

beforeAll(async () => {
  dir = tempDir('vigil-referrals-');
  site = await startFixtureSite();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((ok) => smtp.listen(0, '127.0.0.1', ok));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  backend = await createBackend({ dataDir: dir.path, env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  await backend.users.create(
    { name: 'sam', displayName: 'Sam Second', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=referral`, sourceType: 'volunteer' },
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
    decision: approvalOf(`${site.http}/?case=referral`),
    password: PASSWORD,
  });
  if (!decided.ok) throw new Error(decided.error.message);
  decision = decided.value as DecisionRecord;
  const packet = await callAs(backend, 'rita', 'packet.render', {
    resourceId,
    language: 'en',
    password: PASSWORD,
  });
  if (!packet.ok) throw new Error(packet.error.message);
  packetSha256 = (packet.value as { sha256: string }).sha256;

  svc = referralsOn(backend, { VIGIL_BROWSER: CHROMIUM });
  for (const [key, value] of [
    ['smtp.host', '127.0.0.1'],
    ['smtp.port', String(smtpPort)],
    ['smtp.from', 'referrals@unit.example'],
    ['smtp.secure', 'false'],
    // Any time, so the test does not depend on when it runs; the refusal is tested on its own.
    ['sending.hours', '00:00-24:00'],
  ] as const)
    await svc.keyed.set(key, value, admin.actor);
}, 240_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  await new Promise<void>((ok) => (smtp ? smtp.close(() => ok()) : ok()));
  dir?.remove();
});

describe('referrals after an approval', () => {
  let referralId: string;
  let noticeEml: string;
  let noticePdf: string;

  it('refuses a referral for a resource without an approval in force', async () => {
    const { resource } = await createIntakeService(backend.workspace).addReport(
      { url: `${site.http}/?case=not-decided`, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    await svc.referrals.addRecipient(
      {
        name: 'Host One',
        kind: 'hosting',
        channel: 'email',
        address: 'abuse@host.example',
        language: 'en',
        verified: false,
      },
      ivan,
    );
    expect(
      await codeOf(
        svc.referrals.create(resource.id, { recipient: 'Host One', regime: 'dsa-art16-notice' }, ivan),
      ),
    ).toBe('review.invalid-transition');
  });

  it('creates a draft from the signed decision, pinned to the template version', async () => {
    const r = await svc.referrals.create(
      resourceId,
      { recipient: 'Host One', regime: 'dsa-art16-notice' },
      ivan,
    );
    referralId = r.id;
    expect(r).toMatchObject({
      state: 'draft',
      decisionId: decision.id,
      regimeId: 'dsa-art16-notice',
      templateVersion: 1,
      sentAt: null,
    });
    const h = await svc.referrals.history(r.id);
    expect(h.events[0]?.evidence).toMatchObject({
      decisionId: decision.id,
      captures: decision.captures,
      packetSha256,
    });
  });

  it('refuses to send to an unverified recipient, then outside sending hours', async () => {
    expect(await codeOf(svc.referrals.send(referralId, {}, ivan))).toBe('input.invalid');
    await svc.referrals.verifyRecipient('Host One', ivan);
    await svc.keyed.set('sending.blockedDays', 'sun,mon,tue,wed,thu,fri,sat', admin.actor);
    expect(await codeOf(svc.referrals.send(referralId, {}, ivan))).toBe('notice.outside-hours');
    await svc.keyed.set('sending.blockedDays', '', admin.actor);
    expect(received).toHaveLength(0);
    expect((await svc.referrals.history(referralId)).referral.state).toBe('draft');
  });

  it('sends the notice over SMTP: the server receives exactly the kept EML, with the kept PDF and the signed packet', async () => {
    const notice = await svc.referrals.send(referralId, {}, ivan);
    expect(notice).toMatchObject({ kind: 'notice', channel: 'email', address: 'abuse@host.example' });
    expect(received).toHaveLength(1);
    const got = received[0];
    if (got === undefined || notice.emlSha256 === null) throw new Error('nothing received');
    noticeEml = notice.emlSha256;
    noticePdf = notice.pdfSha256;
    expect(got.from).toBe('referrals@unit.example');
    expect(got.to).toEqual(['abuse@host.example']);
    expect(sha256(got.raw)).toBe(notice.emlSha256);
    expect(sha256(blob(notice.emlSha256))).toBe(notice.emlSha256);
    const mail = await simpleParser(got.raw);
    expect(mail.messageId).toBe(notice.messageId);
    expect(mail.subject).toContain(referralId);
    expect(mail.text).toContain(decision.fields.explanation);
    expect(mail.text).toContain(decision.captures[0]?.manifestSha256);
    const hashes = mail.attachments.map((a) => sha256(a.content));
    expect(hashes).toEqual([notice.pdfSha256, packetSha256]);
    expect(blob(notice.pdfSha256).subarray(0, 5).toString()).toBe('%PDF-');
    const h = await svc.referrals.history(referralId);
    expect(h.referral.state).toBe('sent');
    expect(h.referral.sentAt).not.toBeNull();
  });

  it('records answers through the transition table, each a custody event with the actor', async () => {
    expect(await codeOf(svc.referrals.record(referralId, 'refused', {}, ivan))).toBe('input.invalid');
    expect(await codeOf(svc.referrals.record(referralId, 'reappeared', {}, ivan))).toBe(
      'review.invalid-transition',
    );
    await svc.referrals.record(referralId, 'acknowledged', { note: 'ticket 4711' }, ivan);
    await svc.referrals.record(referralId, 'removed', {}, ivan);
    expect(await codeOf(svc.referrals.record(referralId, 'acknowledged', {}, ivan))).toBe(
      'review.invalid-transition',
    );
    const h = await svc.referrals.history(referralId);
    expect(h.events.map((e) => e.toState)).toEqual(['draft', 'sent', 'acknowledged', 'removed']);
    const custody = await backend.workspace.db.read((c) =>
      c.all<{ actor: string; details: string }>(
        "SELECT actor, details FROM audit WHERE subject = ? AND action = 'referral.state-changed' ORDER BY seq",
        [`referral:${referralId}`],
      ),
    );
    expect(custody.map((r) => [r.actor, (JSON.parse(r.details) as { to: string }).to])).toEqual([
      ['ivan', 'draft'],
      ['ivan', 'sent'],
      ['ivan', 'acknowledged'],
      ['ivan', 'removed'],
    ]);
    expect((await svc.referrals.list({ resourceId }))[0]).toMatchObject({ id: referralId, state: 'removed' });
  });

  it('renders an Arabic notice right to left and marks a register entry delivered by its reference', async () => {
    await svc.referrals.addRecipient(
      {
        name: 'Register AR',
        kind: 'register',
        channel: 'register',
        address: 'https://register.example/',
        language: 'ar',
        verified: true,
      },
      ivan,
    );
    const r = await svc.referrals.create(
      resourceId,
      { recipient: 'Register AR', regime: 'blocking-register-entry' },
      ivan,
    );
    expect(await codeOf(svc.referrals.send(r.id, {}, ivan))).toBe('input.invalid');
    const notice = await svc.referrals.send(r.id, { deliveredRef: 'REG-2026-0042' }, ivan);
    expect(notice).toMatchObject({
      channel: 'register',
      emlSha256: null,
      deliveredRef: 'REG-2026-0042',
      language: 'ar',
    });
    expect(received).toHaveLength(1);
    const out = resolve('tests/output/referrals');
    mkdirSync(out, { recursive: true });
    const pdf = join(out, 'notice-ar.pdf');
    writeFileSync(pdf, blob(notice.pdfSha256));
    expect(
      (await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', pdf, join(out, 'notice-ar')])).code,
    ).toBe(0);
    const text = await run('pdftotext', ['-l', '1', pdf, '-']);
    expect(text.stdout).toContain(r.id);
  });

  it('an appeal lifted with a signed decision moves the resource to lifted and notifies the recipient', async () => {
    const appeal = await svc.appeals.add(
      resourceId,
      { text: 'This is my own shop page; the product is legal.', byName: 'Shop owner' },
      ivan,
    );
    expect(appeal.state).toBe('open');
    // Nothing is lifted without a signature: a wrong password changes nothing.
    expect(
      await codeOf(
        svc.appeals.decide(appeal.id, { outcome: 'lift', explanation: 'x' }, 'sam', 'wrong password'),
      ),
    ).toBe('user.wrong-password');
    expect(
      await codeOf(svc.appeals.decide(appeal.id, { outcome: 'lift', explanation: 'x' }, 'ivan', PASSWORD)),
    ).toBe('auth.forbidden');
    const resourceState = () =>
      backend.workspace.db.read((c) =>
        c.get<{ state: string }>('SELECT state FROM resources WHERE id = ?', [resourceId]),
      );
    expect((await resourceState())?.state).toBe('approved');

    const d = await svc.appeals.decide(
      appeal.id,
      { outcome: 'lift', explanation: 'The seller showed a licence for the product.' },
      'sam',
      PASSWORD,
    );
    expect(d.appeal.state).toBe('lifted');
    expect(d.record.challengedDecisionId).toBe(decision.id);
    const sam = await backend.users.publicIdentity('sam');
    expect(verifyAppealDecision(d.record, sam?.publicKeyPem ?? '')).toBe(true);
    expect(verifyAppealDecision({ ...d.record, outcome: 'uphold' }, sam?.publicKeyPem ?? '')).toBe(false);
    expect((await resourceState())?.state).toBe('lifted');
    // The email recipient gets its lift notice at once; the register's is handed over by reference.
    expect(d.liftNotices.map((n) => [n.kind, n.referralId])).toEqual([['lift', referralId]]);
    expect(received).toHaveLength(2);
    const lift = await simpleParser(received[1]?.raw ?? Buffer.alloc(0));
    expect(lift.subject).toContain('Measure lifted');
    expect(d.awaitingLiftDelivery).toHaveLength(1);
    const [registerReferral = ''] = d.awaitingLiftDelivery;
    await svc.referrals.deliverLift(registerReferral, appeal.id, ivan, 'REG-2026-0042-LIFT');
    const states = (await svc.referrals.list({ resourceId })).map((r) => r.state);
    expect(states).toEqual(['lifted', 'lifted']);
    expect(
      await codeOf(
        svc.appeals.decide(appeal.id, { outcome: 'uphold', explanation: 'again' }, 'sam', PASSWORD),
      ),
    ).toBe('review.invalid-transition');
    expect(noticeEml).not.toBe(noticePdf);
  });
});
