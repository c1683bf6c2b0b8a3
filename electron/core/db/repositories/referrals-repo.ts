import type { AuditEntry } from '../../custody/audit-log';
import type { AuditRow } from '@shared/contract/methods/custody';
import {
  Notice,
  Recipient,
  ReferralEvent,
  ReferralSummary,
  type ReferralState,
} from '@shared/domain/referral';
import { AppError } from '@shared/errors/app-error';
import type { ReadConn, WriteConn } from '../database';

/**
 * Recipients, referrals, referral events and notices (migration 0150; appeals: appeals-repo.ts). A referral's state
 * is the `to_state` of its newest event; every event is written together with its custody row
 * (`appendReferralEvent` takes the caller's audit recorder), so a state change never exists without
 * the custody log saying who made it.
 */

export type AuditRecorder = (entry: AuditEntry) => Promise<AuditRow>;

// ---- recipients -------------------------------------------------------------------------------

type RecipientRow = {
  id: string;
  name: string;
  kind: string;
  channel: string;
  address: string;
  language: string;
  verified: number;
  verified_by: string | null;
  verified_at: string | null;
  created_at: string;
};

const RECIPIENT_COLUMNS =
  'id, name, kind, channel, address, language, verified, verified_by, verified_at, created_at';

const recipientFromDb = (r: RecipientRow): Recipient =>
  Recipient.parse({
    id: r.id,
    name: r.name,
    kind: r.kind,
    channel: r.channel,
    address: r.address,
    language: r.language,
    verified: r.verified === 1,
    verifiedBy: r.verified_by,
    verifiedAt: r.verified_at,
    createdAt: r.created_at,
  });

export async function insertRecipient(tx: WriteConn, r: Recipient, createdBy: string): Promise<void> {
  await tx.run(
    `INSERT INTO recipients (${RECIPIENT_COLUMNS}, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.id,
      r.name,
      r.kind,
      r.channel,
      r.address,
      r.language,
      r.verified ? 1 : 0,
      r.verifiedBy,
      r.verifiedAt,
      r.createdAt,
      createdBy,
    ],
  );
}

export async function markRecipientVerified(
  tx: WriteConn,
  id: string,
  by: string,
  at: string,
): Promise<void> {
  await tx.run('UPDATE recipients SET verified = 1, verified_by = ?, verified_at = ? WHERE id = ?', [
    by,
    at,
    id,
  ]);
}

export async function getRecipientByName(c: ReadConn, name: string): Promise<Recipient | null> {
  const row = await c.get<RecipientRow>(`SELECT ${RECIPIENT_COLUMNS} FROM recipients WHERE name = ?`, [name]);
  return row ? recipientFromDb(row) : null;
}

export async function getRecipient(c: ReadConn, id: string): Promise<Recipient | null> {
  const row = await c.get<RecipientRow>(`SELECT ${RECIPIENT_COLUMNS} FROM recipients WHERE id = ?`, [id]);
  return row ? recipientFromDb(row) : null;
}

export async function listRecipients(c: ReadConn): Promise<Recipient[]> {
  const rows = await c.all<RecipientRow>(
    `SELECT ${RECIPIENT_COLUMNS} FROM recipients ORDER BY ${c.dialect.byteOrder('name')}`,
  );
  return rows.map(recipientFromDb);
}

// ---- referrals ---------------------------------------------------------------------------------

export type NewReferral = Readonly<{
  id: string;
  resourceId: string;
  decisionId: string;
  recipientId: string;
  regimeId: string;
  templateVersion: number;
  language: string;
  parentId: string | null;
  createdAt: string;
  createdBy: string;
}>;

export async function insertReferral(tx: WriteConn, r: NewReferral): Promise<void> {
  await tx.run(
    `INSERT INTO referrals (id, resource_id, decision_id, recipient_id, regime_id, template_version, language,
       parent_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.id,
      r.resourceId,
      r.decisionId,
      r.recipientId,
      r.regimeId,
      r.templateVersion,
      r.language,
      r.parentId,
      r.createdAt,
      r.createdBy,
    ],
  );
}

type SummaryRow = {
  id: string;
  resource_id: string;
  url: string;
  decision_id: string;
  recipient_id: string;
  recipient_name: string;
  regime_id: string;
  template_version: number;
  language: string;
  state: string;
  created_at: string;
  created_by: string;
  sent_at: string | null;
  last_event_at: string;
  parent_id: string | null;
};

// The newest event per referral gives its state; the first `sent` event gives its sent time.
const SUMMARY_SELECT = `
SELECT f.id, f.resource_id, res.url, f.decision_id, f.recipient_id, rc.name AS recipient_name, f.regime_id,
  f.template_version, f.language, last.to_state AS state, f.created_at, f.created_by, last.at AS last_event_at,
  (SELECT min(s.at) FROM referral_events s WHERE s.referral_id = f.id AND s.to_state = 'sent') AS sent_at,
  f.parent_id
FROM referrals f
JOIN resources res ON res.id = f.resource_id
JOIN recipients rc ON rc.id = f.recipient_id
JOIN referral_events last ON last.seq = (SELECT max(e.seq) FROM referral_events e WHERE e.referral_id = f.id)`;

const summaryFromDb = (r: SummaryRow): ReferralSummary =>
  ReferralSummary.parse({
    id: r.id,
    resourceId: r.resource_id,
    url: r.url,
    decisionId: r.decision_id,
    recipientId: r.recipient_id,
    recipientName: r.recipient_name,
    regimeId: r.regime_id,
    templateVersion: r.template_version,
    language: r.language,
    state: r.state,
    createdAt: r.created_at,
    createdBy: r.created_by,
    sentAt: r.sent_at,
    lastEventAt: r.last_event_at,
    parentId: r.parent_id,
  });

export type ReferralFilter = Readonly<{
  resourceId?: string;
  states?: readonly ReferralState[];
  /** Only referrals whose first notice went out (sent_at not null). */
  sentOnly?: boolean;
  limit?: number;
}>;

/** Referrals with their current state and first-sent time, newest first. */
export async function listReferrals(c: ReadConn, filter: ReferralFilter = {}): Promise<ReferralSummary[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.resourceId !== undefined) {
    where.push('f.resource_id = ?');
    params.push(filter.resourceId);
  }
  if (filter.states !== undefined && filter.states.length > 0) {
    where.push(`last.to_state IN (${filter.states.map(() => '?').join(', ')})`);
    params.push(...filter.states);
  }
  // PostgreSQL before 16 wants every subquery in FROM named.
  let sql = `SELECT * FROM (${SUMMARY_SELECT}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}) AS summaries`;
  if (filter.sentOnly === true) sql += ' WHERE sent_at IS NOT NULL';
  sql += ' ORDER BY created_at DESC, id DESC';
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(filter.limit);
  }
  const rows = await c.all<SummaryRow>(sql, params);
  return rows.map(summaryFromDb);
}

export async function getReferral(c: ReadConn, id: string): Promise<ReferralSummary | null> {
  const row = await c.get<SummaryRow>(`${SUMMARY_SELECT} WHERE f.id = ?`, [id]);
  return row ? summaryFromDb(row) : null;
}

/** The current state of one referral, or null when there is no such referral. */
export async function referralState(c: ReadConn, id: string): Promise<ReferralState | null> {
  const row = await c.get<{ to_state: string }>(
    'SELECT to_state FROM referral_events WHERE referral_id = ? ORDER BY seq DESC LIMIT 1',
    [id],
  );
  return row ? ReferralEvent.shape.toState.parse(row.to_state) : null;
}

// ---- referral events ---------------------------------------------------------------------------

type EventRow = {
  seq: number;
  referral_id: string;
  at: string;
  actor: string;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  note: string | null;
  evidence: string;
  delivered_ref: string | null;
};

const eventFromDb = (r: EventRow): ReferralEvent =>
  ReferralEvent.parse({
    seq: r.seq,
    referralId: r.referral_id,
    at: r.at,
    actor: r.actor,
    fromState: r.from_state,
    toState: r.to_state,
    reason: r.reason,
    note: r.note,
    evidence: JSON.parse(r.evidence) as unknown,
    deliveredRef: r.delivered_ref,
  });

export type NewReferralEvent = Readonly<{
  referralId: string;
  at: string;
  actor: string;
  fromState: ReferralState | null;
  toState: ReferralState;
  reason?: string | null;
  note?: string | null;
  evidence?: Readonly<Record<string, unknown>>;
  deliveredRef?: string | null;
}>;

/**
 * Appends one event and its custody row (`referral.state-changed`, subject `referral:<id>`) in the
 * caller's transaction. The caller has checked the transition against REFERRAL_RULES; this refuses
 * an event whose `fromState` is not the referral's current state (a concurrent change).
 */
export async function appendReferralEvent(
  tx: WriteConn,
  audit: AuditRecorder,
  e: NewReferralEvent,
): Promise<ReferralEvent> {
  const current = await referralState(tx, e.referralId);
  if (current !== e.fromState)
    throw new AppError(
      'review.invalid-transition',
      `referral ${e.referralId} is ${current ?? 'missing'}, not ${e.fromState ?? 'new'}: reload and try again`,
    );
  const { lastID } = await tx.run(
    `INSERT INTO referral_events (referral_id, at, actor, from_state, to_state, reason, note, evidence, delivered_ref)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)${tx.dialect.returningKey('seq')}`,
    [
      e.referralId,
      e.at,
      e.actor,
      e.fromState,
      e.toState,
      e.reason ?? null,
      e.note ?? null,
      JSON.stringify(e.evidence ?? {}),
      e.deliveredRef ?? null,
    ],
  );
  await audit({
    actor: e.actor,
    action: 'referral.state-changed',
    subject: `referral:${e.referralId}`,
    details: {
      eventSeq: lastID,
      from: e.fromState,
      to: e.toState,
      reason: e.reason ?? null,
      note: e.note ?? null,
      evidence: e.evidence ?? {},
      deliveredRef: e.deliveredRef ?? null,
    },
  });
  const row = await tx.get<EventRow>('SELECT * FROM referral_events WHERE seq = ?', [lastID]);
  if (row === undefined)
    throw new AppError('internal.unexpected', 'the referral event just written is missing');
  return eventFromDb(row);
}

/** A referral's events, oldest first. */
export async function listReferralEvents(c: ReadConn, referralId: string): Promise<ReferralEvent[]> {
  const rows = await c.all<EventRow>('SELECT * FROM referral_events WHERE referral_id = ? ORDER BY seq', [
    referralId,
  ]);
  return rows.map(eventFromDb);
}

/** Every referral event from `since` (inclusive), oldest first: the statistics' raw material. */
export async function listReferralEventsSince(c: ReadConn, since: string): Promise<ReferralEvent[]> {
  const rows = await c.all<EventRow>('SELECT * FROM referral_events WHERE at >= ? ORDER BY seq', [since]);
  return rows.map(eventFromDb);
}

// ---- notices -----------------------------------------------------------------------------------

type NoticeRow = {
  id: number;
  referral_id: string;
  kind: string;
  language: string;
  pdf_sha256: string;
  eml_sha256: string | null;
  sent_at: string;
  channel: string;
  address: string;
  message_id: string | null;
  delivered_ref: string | null;
  actor: string;
};

const noticeFromDb = (r: NoticeRow): Notice =>
  Notice.parse({
    id: r.id,
    referralId: r.referral_id,
    kind: r.kind,
    language: r.language,
    pdfSha256: r.pdf_sha256,
    emlSha256: r.eml_sha256,
    sentAt: r.sent_at,
    channel: r.channel,
    address: r.address,
    messageId: r.message_id,
    deliveredRef: r.delivered_ref,
    actor: r.actor,
  });

/** Records a notice that went out (or was delivered through a portal/register); returns its row id. */
export async function insertNotice(tx: WriteConn, n: Omit<Notice, 'id'>): Promise<number> {
  const { lastID } = await tx.run(
    `INSERT INTO notices (referral_id, kind, language, pdf_sha256, eml_sha256, sent_at, channel, address,
       message_id, delivered_ref, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${tx.dialect.returningKey('id')}`,
    [
      n.referralId,
      n.kind,
      n.language,
      n.pdfSha256,
      n.emlSha256,
      n.sentAt,
      n.channel,
      n.address,
      n.messageId,
      n.deliveredRef,
      n.actor,
    ],
  );
  return lastID;
}

export async function listNotices(c: ReadConn, referralId: string): Promise<Notice[]> {
  const rows = await c.all<NoticeRow>('SELECT * FROM notices WHERE referral_id = ? ORDER BY id', [
    referralId,
  ]);
  return rows.map(noticeFromDb);
}

// ---- notice template versions ------------------------------------------------------------------

/** The hash a template version was first used with, or null when the version is new here. */
export async function noticeTemplateHash(c: ReadConn, id: string, version: number): Promise<string | null> {
  const row = await c.get<{ sha256: string }>(
    'SELECT sha256 FROM notice_templates WHERE id = ? AND version = ?',
    [id, version],
  );
  return row?.sha256 ?? null;
}

export async function insertNoticeTemplateVersion(
  tx: WriteConn,
  t: Readonly<{ id: string; version: number; sha256: string; record: string; createdAt: string }>,
): Promise<void> {
  await tx.run(
    'INSERT INTO notice_templates (id, version, sha256, record, created_at) VALUES (?, ?, ?, ?, ?)',
    [t.id, t.version, t.sha256, t.record, t.createdAt],
  );
}
