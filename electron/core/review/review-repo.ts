import { DecisionRecord, LegalBasis } from '@shared/domain/decision';
import type { Language, ResourceState } from '@shared/domain/resources';
import { AppError } from '@shared/errors/app-error';
import type { ReadConn, WriteConn } from '../db/database';

/** The SQL of review: legal bases, decisions and rendered packets. Nothing else in review writes SQL. */

type RecordRow = { id: string; record: string };

function parseBasis(row: RecordRow & { version: number }): LegalBasis {
  const parsed = LegalBasis.safeParse(JSON.parse(row.record));
  if (!parsed.success)
    throw new AppError(
      'internal.unexpected',
      `the stored legal basis ${row.id} v${row.version} is unreadable`,
    );
  return parsed.data;
}

function parseDecision(row: RecordRow): DecisionRecord {
  const parsed = DecisionRecord.safeParse(JSON.parse(row.record));
  if (!parsed.success)
    throw new AppError('internal.unexpected', `the stored record of decision ${row.id} is unreadable`);
  return parsed.data;
}

/** The newest version of every catalogue entry (what a reviewer may cite today). */
export async function listLatestBases(c: ReadConn): Promise<LegalBasis[]> {
  const rows = await c.all<RecordRow & { version: number }>(
    `SELECT b.id, b.version, b.record FROM legal_bases b
     WHERE b.version = (SELECT max(version) FROM legal_bases x WHERE x.id = b.id)
     ORDER BY b.id`,
  );
  return rows.map(parseBasis);
}

export async function getLatestBasis(c: ReadConn, id: string): Promise<LegalBasis | null> {
  const row = await c.get<RecordRow & { version: number }>(
    'SELECT id, version, record FROM legal_bases WHERE id = ? ORDER BY version DESC LIMIT 1',
    [id],
  );
  return row ? parseBasis(row) : null;
}

export async function getBasisVersion(c: ReadConn, id: string, version: number): Promise<LegalBasis | null> {
  const row = await c.get<RecordRow & { version: number }>(
    'SELECT id, version, record FROM legal_bases WHERE id = ? AND version = ?',
    [id, version],
  );
  return row ? parseBasis(row) : null;
}

export async function countBases(c: ReadConn): Promise<number> {
  return (await c.get<{ n: number }>('SELECT count(*) AS n FROM legal_bases'))?.n ?? 0;
}

export async function insertBasis(tx: WriteConn, basis: LegalBasis, at: string, by: string): Promise<void> {
  await tx.run(
    'INSERT INTO legal_bases (id, version, record, created_at, created_by) VALUES (?, ?, ?, ?, ?)',
    [basis.id, basis.version, JSON.stringify(basis), at, by],
  );
}

export async function getDecision(c: ReadConn, id: string): Promise<DecisionRecord | null> {
  const row = await c.get<RecordRow>('SELECT id, record FROM decisions WHERE id = ?', [id]);
  return row ? parseDecision(row) : null;
}

/** The decision in force for a resource: the newest one (each later one supersedes the one before). */
export async function latestDecision(c: ReadConn, resourceId: string): Promise<DecisionRecord | null> {
  const row = await c.get<RecordRow>(
    'SELECT id, record FROM decisions WHERE resource_id = ? ORDER BY signed_at DESC, rowid DESC LIMIT 1',
    [resourceId],
  );
  return row ? parseDecision(row) : null;
}

/**
 * Stores a signed record exactly as signed: the `record` column holds the bytes a verifier re-reads,
 * and the table's triggers refuse any later change.
 */
export async function insertDecision(tx: WriteConn, record: DecisionRecord): Promise<void> {
  await tx.run(
    'INSERT INTO decisions (id, resource_id, reviewer, decision, signed_at, supersedes, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [
      record.id,
      record.resourceId,
      record.reviewer.name,
      record.fields.decision,
      record.signedAt,
      record.supersedes,
      JSON.stringify(record),
    ],
  );
  // The reviewer's facts and explanation are searchable next to the captured text (DESIGN §3).
  await tx.run(
    "INSERT INTO text_index (title, body, resource_id, capture_id, kind) VALUES (?, ?, ?, NULL, 'decision')",
    [record.url, `${record.fields.facts}\n${record.fields.explanation}`, record.resourceId],
  );
}

/** Resources waiting for a reviewer: captured (evidence ready) or explicitly sent to review. */
export async function resourceIdsAwaitingReview(c: ReadConn): Promise<string[]> {
  const states: ResourceState[] = ['in_review', 'captured'];
  const rows = await c.all<{ id: string }>(
    `SELECT id FROM resources WHERE state IN (${states.map(() => '?').join(',')})
     ORDER BY CASE state WHEN 'in_review' THEN 0 ELSE 1 END, updated_at, id`,
    states,
  );
  return rows.map((r) => r.id);
}

export type CustodyExcerptRow = Readonly<{
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  hash: string;
}>;

/** Audit rows whose subject is one of `subjects` (e.g. `resource:…`, `capture:…`), in chain order. */
export async function custodyRowsFor(c: ReadConn, subjects: readonly string[]): Promise<CustodyExcerptRow[]> {
  const unique = [...new Set(subjects)];
  if (unique.length === 0) return [];
  return c.all<CustodyExcerptRow>(
    `SELECT seq, at, actor, action, subject, hash FROM audit WHERE subject IN (${unique.map(() => '?').join(',')}) ORDER BY seq`,
    unique,
  );
}

export type PacketRow = Readonly<{
  sha256: string;
  resourceId: string;
  decisionId: string | null;
  language: Language;
  signedBy: string | null;
  pages: number;
  bytes: number;
  renderedAt: string;
  renderedBy: string;
}>;

export async function insertPacket(tx: WriteConn, p: PacketRow): Promise<void> {
  await tx.run(
    'INSERT INTO packets (sha256, resource_id, decision_id, language, signed_by, pages, bytes, rendered_at, rendered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      p.sha256,
      p.resourceId,
      p.decisionId,
      p.language,
      p.signedBy,
      p.pages,
      p.bytes,
      p.renderedAt,
      p.renderedBy,
    ],
  );
}

/** The newest packet of a resource (for the court bundle), or null when none was rendered. */
export async function latestPacket(c: ReadConn, resourceId: string): Promise<PacketRow | null> {
  const row = await c.get<{
    sha256: string;
    resource_id: string;
    decision_id: string | null;
    language: Language;
    signed_by: string | null;
    pages: number;
    bytes: number;
    rendered_at: string;
    rendered_by: string;
  }>('SELECT * FROM packets WHERE resource_id = ? ORDER BY rendered_at DESC, rowid DESC LIMIT 1', [
    resourceId,
  ]);
  return row
    ? {
        sha256: row.sha256,
        resourceId: row.resource_id,
        decisionId: row.decision_id,
        language: row.language,
        signedBy: row.signed_by,
        pages: row.pages,
        bytes: row.bytes,
        renderedAt: row.rendered_at,
        renderedBy: row.rendered_by,
      }
    : null;
}
