import { appendAudit } from '@core/custody/audit-log';
import type { WriteConn } from '@core/db/database';
import { registerBlob } from '@core/db/repositories/blobs-repo';
import { insertCapture } from '@core/db/repositories/captures-repo';
import { insertCase } from '@core/db/repositories/cases-repo';
import { insertDecision } from '@core/db/repositories/decisions-repo';
import { appendReferralEvent, insertRecipient, insertReferral } from '@core/db/repositories/referrals-repo';
import { insertResource } from '@core/db/repositories/resources-repo';
import { insertUser } from '@core/db/repositories/users-repo';
import type { AuditRecorder } from '@core/db/repositories/referrals-repo';
import { CaptureRecord, type CaptureTimestamp } from '@shared/domain/capture-record';
import { DecisionRecord } from '@shared/domain/decision';
import type { Notice, Recipient } from '@shared/domain/referral';

/**
 * The parent rows the group-B repository tests need (users, a case, resources, blobs, recipients and
 * referrals) and schema-valid capture and decision records, built the same way on both engines.
 */

export const at = (minute: number): string => `2026-11-22T10:${String(minute).padStart(2, '0')}:00.000Z`;
export const clock = (): Date => new Date('2026-11-22T10:00:00.000Z');

/** A lowercase hex SHA-256 that names test blob `n`. */
export const sha = (n: number): string => n.toString(16).padStart(64, '0');

/** Branded-looking ids: a prefix and ten or more lowercase characters, as the shared schemas want. */
export const rid = (n: number): string => `res_${String(n).padStart(10, '0')}`;
export const cid = (n: number): string => `cap_${String(n).padStart(10, '0')}`;
export const did = (n: number): string => `dec_${String(n).padStart(10, '0')}`;

export const user = (name: string, role: 'investigator' | 'reviewer' | 'admin' = 'investigator') => ({
  id: `u-${name}`,
  name,
  displayName: name.toUpperCase(),
  role,
  passwordHash: 'h',
  publicKeyPem: `pub-${name}`,
  certificatePem: `cert-${name}`,
  privateKeyEnc: '{}',
  createdAt: at(0),
});

/** Two users, one case (OP-7) holding resources 1 and 2, resource 3 outside it, and blobs 1–20. */
export async function seedParents(tx: WriteConn): Promise<void> {
  await insertUser(tx, user('amina'));
  await insertUser(tx, user('boris', 'reviewer'));
  await insertCase(tx, { id: 'c-1', ref: 'OP-7', title: 'Op seven', at: at(0), createdBy: 'u-amina' });
  for (const n of [1, 2, 3]) {
    await insertResource(tx, {
      id: rid(n),
      caseId: n === 3 ? null : 'c-1',
      url: `https://shop${n}.example/p`,
      displayUrl: `https://shop${n}.example/p`,
      host: `shop${n}.example`,
      categories: ['drugs'],
      at: at(n),
    });
  }
  for (let n = 1; n <= 20; n += 1) await registerBlob(tx, { sha256: sha(n), bytes: 100 + n }, at(0));
}

/** A sealed capture of `resource` whose manifest is blob `manifest` and whose text is blob `text`. */
export function captureRecord(
  o: Readonly<{ id: string; resource: string; startedAt: string; manifest: number; text: number }>,
  timestamp: CaptureTimestamp = { status: 'pending' },
): CaptureRecord {
  return CaptureRecord.parse({
    id: o.id,
    resourceId: o.resource,
    url: 'https://shop.example/p',
    finalUrl: 'https://shop.example/p',
    outcome: 'complete',
    startedAt: o.startedAt,
    finishedAt: o.startedAt,
    http: { status: 200, headers: {}, remoteAddress: null, protocol: 'h2' },
    redirects: [],
    page: { title: 'Shop', lang: 'en', textLength: 4, outlinks: 0 },
    context: {
      operator: 'amina',
      workstation: 'ws-1',
      os: 'Linux',
      app: { name: 'Vigil', version: '0.1.0' },
      browser: { product: 'Chrome', version: '136' },
      userAgent: 'Mozilla/5.0',
      viewport: { width: 1366, height: 768, deviceScaleFactor: 1, isMobile: false },
      locale: 'en-US',
      timeZone: 'UTC',
      proxy: null,
    },
    artifacts: [
      artifact('text', 'page.txt', o.text),
      artifact('dom', 'dom.html', o.text + 1),
      artifact('manifest', 'manifest.json', o.manifest),
    ],
    manifestSha256: sha(o.manifest),
    signature: { alg: 'ES256', keyId: 'ws-1', value: 'sig' },
    timestamp,
    warnings: [],
  });
}

const artifact = (kind: string, name: string, blob: number) => ({
  kind,
  name,
  path: '/somewhere/else',
  mediaType: 'application/octet-stream',
  bytes: 100 + blob,
  sha256: sha(blob),
});

/** A signed decision record of `resource` (signature fields are stand-ins; nothing here verifies them). */
export function decisionRecord(
  o: Readonly<{
    id: string;
    resource: string;
    signedAt: string;
    decision: 'approve' | 'reject';
    supersedes?: string;
  }>,
): DecisionRecord {
  return DecisionRecord.parse({
    id: o.id,
    resourceId: o.resource,
    url: `https://${o.resource}.example/`,
    captures: [],
    fields: {
      decision: o.decision,
      measure: null,
      targets: [],
      territorialScope: [],
      startDate: null,
      endDate: null,
      legalBasisIds: [],
      category: null,
      keywords: [],
      facts: 'pills for sale',
      explanation: `decided ${o.id}`,
      sourceType: null,
      automatedDetection: false,
      language: 'en',
    },
    legalBases: [],
    reviewer: { name: 'boris', displayName: 'BORIS', certificateSha256: 'ab'.repeat(32) },
    signedAt: o.signedAt,
    supersedes: o.supersedes ?? null,
    signature: { alg: 'ES256', keyId: 'usr-boris', value: 'sig' },
  });
}

/** The custody recorder repositories take: appends to the real hash chain in the same transaction. */
export const recorder =
  (tx: WriteConn): AuditRecorder =>
  (entry) =>
    appendAudit(tx, clock, entry);

export const recipient = (n: number, name: string): Recipient =>
  ({
    id: `rcp_${String(n).padStart(10, '0')}`,
    name,
    kind: 'platform',
    channel: 'email',
    address: `abuse${n}@example.test`,
    language: 'en',
    verified: false,
    verifiedBy: null,
    verifiedAt: null,
    createdAt: at(n),
  }) as Recipient;

export const fid = (n: number): string => `rfl_${String(n).padStart(10, '0')}`;

/** Recipients 1 (zed) and 2 (Acme), decisions on resources 1 and 2, referrals 1 and 2 (draft) and 3. */
export async function seedReferrals(tx: WriteConn): Promise<void> {
  await seedParents(tx);
  await insertRecipient(tx, recipient(1, 'zed hosting'), 'u-amina');
  await insertRecipient(tx, recipient(2, 'Acme'), 'u-amina');
  await insertDecision(
    tx,
    decisionRecord({ id: did(1), resource: rid(1), signedAt: at(5), decision: 'approve' }),
  );
  await insertDecision(
    tx,
    decisionRecord({ id: did(2), resource: rid(2), signedAt: at(6), decision: 'approve' }),
  );
  await insertCapture(
    tx,
    captureRecord({ id: cid(1), resource: rid(1), startedAt: at(4), manifest: 1, text: 2 }),
    at(4),
  );
  for (const [n, resource, decision, to] of [
    [1, rid(1), did(1), recipient(1, '').id],
    [2, rid(2), did(2), recipient(2, '').id],
    [3, rid(1), did(1), recipient(2, '').id],
  ] as const) {
    await insertReferral(tx, {
      id: fid(n),
      resourceId: resource,
      decisionId: decision,
      recipientId: to,
      regimeId: 'dsa-16',
      templateVersion: 1,
      language: 'en',
      parentId: n === 3 ? fid(1) : null,
      createdAt: at(10 + n),
      createdBy: 'u-amina',
    });
    await appendReferralEvent(tx, recorder(tx), {
      referralId: fid(n),
      at: at(10 + n),
      actor: 'amina',
      fromState: null,
      toState: 'draft',
    });
  }
}

export const notice = (referral: string, minute: number): Omit<Notice, 'id'> => ({
  referralId: referral as Notice['referralId'],
  kind: 'notice' as const,
  language: 'en' as const,
  pdfSha256: sha(3),
  emlSha256: null,
  sentAt: at(minute),
  channel: 'email' as const,
  address: 'abuse1@example.test',
  messageId: `<m${minute}@vigil>`,
  deliveredRef: null,
  actor: 'amina',
});
