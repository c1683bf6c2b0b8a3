import type { ReadConn } from '../database';

/**
 * The raw material of the unit's statistics: for the resources first reported in a period, when each
 * reached each stage, and the referral events about them. Two scans, no per-row queries: the
 * stages come from grouped joins on the (resource_id, time) indexes, the referrals from one grouped join.
 */

export type StageTimes = Readonly<{
  resourceId: string;
  categories: string;
  reportedAt: string;
  capturedAt: string | null;
  decidedAt: string | null;
  approvedAt: string | null;
  /** The newest decision's verdict: a revised decision counts as it stands now. */
  lastDecision: string | null;
}>;

/** One referral about a resource of the period: its first notice, first removal, refusal, re-appearance. */
export type StatsReferral = Readonly<{
  referralId: string;
  resourceId: string;
  regimeId: string;
  recipientName: string;
  recipientKind: string;
  sentAt: string | null;
  /** `removed` or `partially_removed`, the first of either. */
  removedAt: string | null;
  /** The reason of its first refusal, `other` when none was given; null when never refused. */
  refusalReason: string | null;
  reappeared: number;
}>;

/**
 * Resources created in [from, to) with the first time they reached each stage. Of two decisions signed
 * at the same instant the approval is not the newest, the rule `periodAggregates` follows too.
 */
export async function stageTimes(c: ReadConn, from: string, to: string): Promise<StageTimes[]> {
  return c.all<StageTimes>(
    `WITH r AS (SELECT id, categories, created_at FROM resources WHERE created_at >= ? AND created_at < ?)
     SELECT r.id AS "resourceId", r.categories AS categories,
       coalesce(rep.first_at, r.created_at) AS "reportedAt",
       cap.first_at AS "capturedAt", dcs.first_at AS "decidedAt", dcs.approved_at AS "approvedAt",
       (SELECT d.decision FROM decisions d WHERE d.resource_id = r.id ORDER BY d.signed_at DESC, CASE WHEN d.decision = 'approve' THEN 1 ELSE 0 END LIMIT 1)
         AS "lastDecision"
     FROM r
     LEFT JOIN (SELECT resource_id, min(received_at) AS first_at FROM reports
                WHERE resource_id IN (SELECT id FROM r) GROUP BY resource_id) rep ON rep.resource_id = r.id
     LEFT JOIN (SELECT resource_id, min(started_at) AS first_at FROM captures
                WHERE outcome != 'failed' AND resource_id IN (SELECT id FROM r) GROUP BY resource_id) cap
       ON cap.resource_id = r.id
     LEFT JOIN (SELECT resource_id, min(signed_at) AS first_at,
                  min(CASE WHEN decision = 'approve' THEN signed_at END) AS approved_at
                FROM decisions WHERE resource_id IN (SELECT id FROM r) GROUP BY resource_id) dcs
       ON dcs.resource_id = r.id`,
    [from, to],
  );
}

/**
 * The referrals about resources created in [from, to), folded from their events in SQL (one row each).
 * Written in the SQL both engines share: the first refusal's reason is looked up by its sequence number
 * (answered by the covering index of 0200), every grouped column is named in GROUP BY, and the
 * camel-case names are quoted so that PostgreSQL keeps their case.
 */
export async function statsReferrals(c: ReadConn, from: string, to: string): Promise<StatsReferral[]> {
  return c.all<StatsReferral>(
    `SELECT g.id AS "referralId", g.resource_id AS "resourceId", g.regime_id AS "regimeId",
       g.name AS "recipientName", g.kind AS "recipientKind", g.sent_at AS "sentAt", g.removed_at AS "removedAt",
       CASE WHEN g.refusal_seq IS NOT NULL
         THEN coalesce((SELECT x.reason FROM referral_events x WHERE x.seq = g.refusal_seq), 'other') END
         AS "refusalReason",
       g.reappeared AS "reappeared"
     FROM (SELECT f.id, f.resource_id, f.regime_id, rc.name, rc.kind,
             min(CASE WHEN e.to_state = 'sent' THEN e.at END) AS sent_at,
             min(CASE WHEN e.to_state IN ('removed', 'partially_removed') THEN e.at END) AS removed_at,
             min(CASE WHEN e.to_state = 'refused' THEN e.seq END) AS refusal_seq,
             max(CASE WHEN e.to_state = 'reappeared' THEN 1 ELSE 0 END) AS reappeared
           FROM resources r
           JOIN referrals f ON f.resource_id = r.id
           JOIN recipients rc ON rc.id = f.recipient_id
           JOIN referral_events e ON e.referral_id = f.id
           WHERE r.created_at >= ? AND r.created_at < ?
           GROUP BY f.id, f.resource_id, f.regime_id, rc.name, rc.kind) g`,
    [from, to],
  );
}

/** One referral sent in [from, to) with its current state: what the DSA report counts. */
export type SentReferral = Readonly<{
  referralId: string;
  recipientName: string;
  recipientKind: string;
  regimeId: string;
  categories: string;
  state: string;
  url: string;
  language: string;
}>;

export async function referralsSentBetween(c: ReadConn, from: string, to: string): Promise<SentReferral[]> {
  return c.all<SentReferral>(
    `SELECT f.id AS "referralId", rc.name AS "recipientName", rc.kind AS "recipientKind", f.regime_id AS "regimeId",
       r.categories AS categories, r.url AS url, f.language AS language,
       (SELECT l.to_state FROM referral_events l WHERE l.referral_id = f.id ORDER BY l.seq DESC LIMIT 1) AS state
     FROM referrals f
     JOIN recipients rc ON rc.id = f.recipient_id
     JOIN resources r ON r.id = f.resource_id
     WHERE EXISTS (SELECT 1 FROM referral_events s WHERE s.referral_id = f.id AND s.to_state = 'sent' AND s.at >= ? AND s.at < ?)
     ORDER BY f.id`,
    [from, to],
  );
}

/** Every notice sent in [from, to), with its referral: the Lumen-style records. */
export type SentNotice = Readonly<{
  noticeId: number;
  kind: string;
  sentAt: string;
  channel: string;
  language: string;
  referralId: string;
  regimeId: string;
  recipientName: string;
  url: string;
  categories: string;
  state: string;
}>;

export async function noticesSentBetween(c: ReadConn, from: string, to: string): Promise<SentNotice[]> {
  return c.all<SentNotice>(
    `SELECT n.id AS "noticeId", n.kind AS kind, n.sent_at AS "sentAt", n.channel AS channel, n.language AS language,
       f.id AS "referralId", f.regime_id AS "regimeId", rc.name AS "recipientName", r.url AS url, r.categories AS categories,
       (SELECT l.to_state FROM referral_events l WHERE l.referral_id = f.id ORDER BY l.seq DESC LIMIT 1) AS state
     FROM notices n
     JOIN referrals f ON f.id = n.referral_id
     JOIN recipients rc ON rc.id = f.recipient_id
     JOIN resources r ON r.id = f.resource_id
     WHERE n.sent_at >= ? AND n.sent_at < ?
     ORDER BY n.id`,
    [from, to],
  );
}
