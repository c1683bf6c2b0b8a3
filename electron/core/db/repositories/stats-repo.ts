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

/** Resources created in [from, to) with the first time they reached each stage. */
export async function stageTimes(c: ReadConn, from: string, to: string): Promise<StageTimes[]> {
  return c.all<StageTimes>(
    `WITH r AS (SELECT id, categories, created_at FROM resources WHERE created_at >= ? AND created_at < ?)
     SELECT r.id AS resourceId, r.categories AS categories,
       coalesce(rep.first_at, r.created_at) AS reportedAt,
       cap.first_at AS capturedAt, dec.first_at AS decidedAt, dec.approved_at AS approvedAt,
       (SELECT d.decision FROM decisions d WHERE d.resource_id = r.id ORDER BY d.signed_at DESC LIMIT 1) AS lastDecision
     FROM r
     LEFT JOIN (SELECT resource_id, min(received_at) AS first_at FROM reports
                WHERE resource_id IN (SELECT id FROM r) GROUP BY resource_id) rep ON rep.resource_id = r.id
     LEFT JOIN (SELECT resource_id, min(started_at) AS first_at FROM captures
                WHERE outcome != 'failed' AND resource_id IN (SELECT id FROM r) GROUP BY resource_id) cap
       ON cap.resource_id = r.id
     LEFT JOIN (SELECT resource_id, min(signed_at) AS first_at,
                  min(CASE WHEN decision = 'approve' THEN signed_at END) AS approved_at
                FROM decisions WHERE resource_id IN (SELECT id FROM r) GROUP BY resource_id) dec
       ON dec.resource_id = r.id`,
    [from, to],
  );
}

/** The referrals about resources created in [from, to), folded from their events in SQL (one row each). */
export async function statsReferrals(c: ReadConn, from: string, to: string): Promise<StatsReferral[]> {
  return c.all<StatsReferral>(
    `SELECT f.id AS referralId, f.resource_id AS resourceId, f.regime_id AS regimeId,
       rc.name AS recipientName, rc.kind AS recipientKind,
       min(CASE WHEN e.to_state = 'sent' THEN e.at END) AS sentAt,
       min(CASE WHEN e.to_state IN ('removed', 'partially_removed') THEN e.at END) AS removedAt,
       substr(min(CASE WHEN e.to_state = 'refused' THEN printf('%012d ', e.seq) || coalesce(e.reason, 'other') END), 14)
         AS refusalReason,
       max(e.to_state = 'reappeared') AS reappeared
     FROM resources r
     JOIN referrals f ON f.resource_id = r.id
     JOIN recipients rc ON rc.id = f.recipient_id
     JOIN referral_events e ON e.referral_id = f.id
     WHERE r.created_at >= ? AND r.created_at < ?
     GROUP BY f.id`,
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
    `SELECT f.id AS referralId, rc.name AS recipientName, rc.kind AS recipientKind, f.regime_id AS regimeId,
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
    `SELECT n.id AS noticeId, n.kind AS kind, n.sent_at AS sentAt, n.channel AS channel, n.language AS language,
       f.id AS referralId, f.regime_id AS regimeId, rc.name AS recipientName, r.url AS url, r.categories AS categories,
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

/**
 * The statistics of the resources created in [from, to), aggregated in SQLite: only the figures
 * leave the database, never a row per resource. Quantiles come back as the two order statistics
 * around each rank (`lo`, `hi`, integer milliseconds) so that the caller interpolates exactly as the
 * reference does; times are differences of the stored ISO instants, rounded to the millisecond.
 * Each breakdown is grouped here and sorted by the caller (SQL's binary order is not the display order).
 */
export type QuantileRow = Readonly<{
  metric: 'reportToCapture' | 'captureToDecision' | 'decisionToNotice' | 'noticeToRemoval';
  n: number;
  medianLo: number | null;
  medianHi: number | null;
  p90Lo: number | null;
  p90Hi: number | null;
}>;
export type TallyRow = Readonly<{
  dim: 'recipient' | 'kind' | 'regime';
  key: string;
  referred: number;
  removed: number;
  refused: number;
}>;
export type PeriodAggregates = Readonly<{
  counts: Readonly<{
    reported: number;
    captured: number;
    reviewed: number;
    approved: number;
    referred: number;
    removed: number;
  }>;
  removedReferrals: number;
  reappearedReferrals: number;
  quantiles: readonly QuantileRow[];
  categories: readonly Readonly<{ key: string; reported: number; removed: number }>[];
  tallies: readonly TallyRow[];
  refusals: readonly Readonly<{ key: string; count: number }>[];
  weeks: readonly Readonly<{ week: string; reported: number; referred: number; removed: number }>[];
  buckets: readonly Readonly<{ bucket: string; count: number }>[];
}>;

/** Milliseconds from instant `a` to instant `b`, never negative (a clock skew is not a negative delay). */
const msBetween = (a: string, b: string): string =>
  `max(0, CAST(round((julianday(${b}) - julianday(${a})) * 86400000.0) AS INTEGER))`;
/** The rank `pos = (n - 1) * q` of the reference's interpolation, rounded down and up. */
const rankLo = (q: number): string => `CAST((n - 1) * ${q} AS INTEGER)`;
const rankHi = (q: number): string => `(${rankLo(q)} + ((n - 1) * ${q} > ${rankLo(q)}))`;
/** The order statistics around the median and p90 of the values `v` of `table`, ranked once. */
const quantileOf = (metric: string, table: string): string => `
  SELECT '${metric}' AS metric, coalesce(max(n), 0) AS n,
    max(CASE WHEN k = ${rankLo(0.5)} THEN v END) AS medianLo, max(CASE WHEN k = ${rankHi(0.5)} THEN v END) AS medianHi,
    max(CASE WHEN k = ${rankLo(0.9)} THEN v END) AS p90Lo, max(CASE WHEN k = ${rankHi(0.9)} THEN v END) AS p90Hi
  FROM (SELECT v, row_number() OVER (ORDER BY v) - 1 AS k FROM ${table}), (SELECT count(*) AS n FROM ${table})`;
/** The Monday (UTC) of the week of a YYYY-MM-DD day. */
const mondayOf = (day: string): string => `date(${day}, '-6 days', 'weekday 1')`;

const PERIOD_AGGREGATES_SQL = `
WITH
r AS MATERIALIZED (
  SELECT id, categories, created_at FROM resources WHERE created_at >= ?1 AND created_at < ?2),
ev AS (
  SELECT referral_id,
    min(CASE WHEN to_state = 'sent' THEN at END) AS sent_at,
    min(CASE WHEN to_state IN ('removed', 'partially_removed') THEN at END) AS removed_at,
    substr(min(CASE WHEN to_state = 'refused' THEN printf('%012d ', seq) || coalesce(reason, 'other') END), 14)
      AS refusal,
    max(to_state = 'reappeared') AS reappeared
  FROM referral_events GROUP BY referral_id),
f AS MATERIALIZED (
  SELECT f.id AS id, f.resource_id AS rid, f.regime_id AS regime, f.recipient_id AS recipient_id,
    ev.sent_at AS sent_at, ev.removed_at AS removed_at, ev.refusal AS refusal, ev.reappeared AS reappeared
  FROM ev JOIN referrals f ON f.id = ev.referral_id
  WHERE f.resource_id IN (SELECT id FROM r)),
-- Every stage instant of every resource, one pass over each table's (resource_id, …) index, folded
-- by one GROUP BY: cheaper than a lookup per resource and per stage.
sx AS (
  SELECT id AS rid, created_at AS created, categories, NULL AS rep, NULL AS cap, NULL AS decided,
    NULL AS approved, NULL AS last_decision, NULL AS sent, NULL AS removed FROM r
  UNION ALL SELECT resource_id, NULL, NULL, received_at, NULL, NULL, NULL, NULL, NULL, NULL FROM reports
    WHERE resource_id IN (SELECT id FROM r)
  UNION ALL SELECT resource_id, NULL, NULL, NULL, started_at, NULL, NULL, NULL, NULL, NULL
    FROM captures WHERE outcome != 'failed' AND resource_id IN (SELECT id FROM r)
  -- The newest decision's verdict: the instant padded to a fixed width, so the greatest prefix wins.
  UNION ALL SELECT resource_id, NULL, NULL, NULL, NULL, signed_at,
    CASE WHEN decision = 'approve' THEN signed_at END, printf('%-40s', signed_at) || decision, NULL, NULL
    FROM decisions WHERE resource_id IN (SELECT id FROM r)
  UNION ALL SELECT rid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, sent_at, removed_at FROM f),
s AS MATERIALIZED (
  SELECT rid AS id, max(categories) AS categories, coalesce(min(rep), max(created)) AS reported_at,
    min(cap) AS captured_at, min(decided) AS decided_at, min(approved) AS approved_at,
    substr(max(last_decision), 41) AS last_decision, min(sent) AS sent_at, min(removed) AS removed_at
  FROM sx GROUP BY rid HAVING max(created) IS NOT NULL),
d_rc AS MATERIALIZED (SELECT ${msBetween('reported_at', 'captured_at')} AS v FROM s WHERE captured_at IS NOT NULL),
d_cd AS MATERIALIZED (SELECT ${msBetween('captured_at', 'decided_at')} AS v
  FROM s WHERE decided_at IS NOT NULL AND captured_at IS NOT NULL),
d_dn AS MATERIALIZED (SELECT ${msBetween('approved_at', 'sent_at')} AS v
  FROM s WHERE approved_at IS NOT NULL AND sent_at IS NOT NULL),
d_nr AS MATERIALIZED (SELECT ${msBetween('sent_at', 'removed_at')} AS v
  FROM f WHERE sent_at IS NOT NULL AND removed_at IS NOT NULL),
quant AS (
  ${quantileOf('reportToCapture', 'd_rc')}
  UNION ALL ${quantileOf('captureToDecision', 'd_cd')}
  UNION ALL ${quantileOf('decisionToNotice', 'd_dn')}
  UNION ALL ${quantileOf('noticeToRemoval', 'd_nr')}),
removal AS (
  SELECT ${msBetween('sent_at', 'removed_at')} / 3600000.0 AS h, reappeared
  FROM f WHERE sent_at IS NOT NULL AND removed_at IS NOT NULL),
days AS (
  SELECT substr(reported_at, 1, 10) AS day, 1 AS reported, 0 AS referred, 0 AS removed FROM s
  UNION ALL SELECT substr(sent_at, 1, 10), 0, 1, 0 FROM s WHERE sent_at IS NOT NULL
  UNION ALL SELECT substr(removed_at, 1, 10), 0, 0, 1 FROM s WHERE removed_at IS NOT NULL),
weeks AS (
  SELECT ${mondayOf('day')} AS week, sum(reported) AS reported, sum(referred) AS referred, sum(removed) AS removed
  FROM (SELECT day, sum(reported) AS reported, sum(referred) AS referred, sum(removed) AS removed
        FROM days GROUP BY day)
  GROUP BY week),
cats AS (
  SELECT j.value AS key, sum(g.n) AS reported, sum(g.removed) AS removed
  FROM (SELECT categories, count(*) AS n, count(removed_at) AS removed FROM s GROUP BY categories) g,
    json_each(CASE WHEN json_valid(g.categories) AND json_type(g.categories) = 'array'
                   THEN g.categories ELSE '[]' END) j
  WHERE j.type = 'text'
  GROUP BY j.value),
per_recipient AS (
  SELECT recipient_id, count(*) AS referred, count(removed_at) AS removed, count(refusal) AS refused
  FROM f WHERE sent_at IS NOT NULL GROUP BY recipient_id),
tallies AS (
  SELECT 'recipient' AS dim, rc.name AS key, t.referred AS referred, t.removed AS removed, t.refused AS refused
    FROM per_recipient t JOIN recipients rc ON rc.id = t.recipient_id
  UNION ALL SELECT 'kind', rc.kind, sum(t.referred), sum(t.removed), sum(t.refused)
    FROM per_recipient t JOIN recipients rc ON rc.id = t.recipient_id GROUP BY rc.kind
  UNION ALL SELECT 'regime', regime, count(*), count(removed_at), count(refusal)
    FROM f WHERE sent_at IS NOT NULL GROUP BY regime)
SELECT json_object(
  'counts', (SELECT json_object('reported', count(*), 'captured', count(captured_at), 'reviewed', count(decided_at),
               'approved', total(last_decision = 'approve'), 'referred', count(sent_at), 'removed', count(removed_at))
             FROM s),
  'removedReferrals', (SELECT count(*) FROM removal),
  'reappearedReferrals', (SELECT total(reappeared > 0) FROM removal),
  'quantiles', (SELECT json_group_array(json_object('metric', metric, 'n', n, 'medianLo', medianLo,
                  'medianHi', medianHi, 'p90Lo', p90Lo, 'p90Hi', p90Hi)) FROM quant),
  'categories', (SELECT json_group_array(json_object('key', key, 'reported', reported, 'removed', removed)) FROM cats),
  'tallies', (SELECT json_group_array(json_object('dim', dim, 'key', key, 'referred', referred, 'removed', removed,
                'refused', refused)) FROM tallies),
  'refusals', (SELECT json_group_array(json_object('key', refusal, 'count', n))
               FROM (SELECT refusal, count(*) AS n FROM f WHERE refusal IS NOT NULL GROUP BY refusal)),
  'weeks', (SELECT json_group_array(json_object('week', week, 'reported', reported, 'referred', referred,
              'removed', removed)) FROM weeks),
  'buckets', (SELECT json_group_array(json_object('bucket', bucket, 'count', n)) FROM (
                SELECT CASE WHEN h < 1 THEN 'under_1h' WHEN h < 24 THEN 'under_24h' WHEN h < 72 THEN 'under_3d'
                            WHEN h < 168 THEN 'under_7d' ELSE 'over_7d' END AS bucket, count(*) AS n
                FROM removal GROUP BY bucket))
) AS json`;

export async function periodAggregates(c: ReadConn, from: string, to: string): Promise<PeriodAggregates> {
  // The grouping sorts a few hundred thousand narrow rows: in memory, not through temporary files
  // (a connection setting, harmless for every other read on this connection).
  await c.get('PRAGMA temp_store = MEMORY');
  const row = await c.get<{ json: string }>(PERIOD_AGGREGATES_SQL, [from, to]);
  if (row === undefined) throw new Error('the statistics query returned no row');
  return JSON.parse(row.json) as PeriodAggregates;
}
