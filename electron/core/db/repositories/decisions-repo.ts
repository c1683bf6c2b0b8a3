import { DecisionRecord } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import type { ReadConn, WriteConn } from '../database';
import { indexText } from './search-repo';

/** Decisions: signed records, stored exactly as signed and never changed (the table's triggers refuse it). */

type RecordRow = { id: string; record: string };

/**
 * A record that no longer matches the shared schema is an error, not something to leave out: a
 * resource must never look as if a decision were missing.
 */
function parseDecision(row: RecordRow): DecisionRecord {
  const parsed = DecisionRecord.safeParse(JSON.parse(row.record));
  if (!parsed.success)
    throw new AppError('internal.unexpected', `the stored record of decision ${row.id} is unreadable`);
  return parsed.data;
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

/** Every decision of a resource, oldest first. */
export async function listDecisions(c: ReadConn, resourceId: string): Promise<DecisionRecord[]> {
  const rows = await c.all<RecordRow>(
    'SELECT id, record FROM decisions WHERE resource_id = ? ORDER BY signed_at, id',
    [resourceId],
  );
  return rows.map(parseDecision);
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
  await indexText(tx, {
    title: record.url,
    body: `${record.fields.facts}\n${record.fields.explanation}`,
    resourceId: record.resourceId,
    captureId: null,
    kind: 'decision',
  });
}

/** Decisions signed per UTC day from `since` (inclusive, YYYY-MM-DD). */
export async function decisionsPerDay(c: ReadConn, since: string): Promise<Map<string, number>> {
  const rows = await c.all<{ day: string; n: number }>(
    'SELECT substr(signed_at, 1, 10) AS day, count(*) AS n FROM decisions WHERE signed_at >= ? GROUP BY day',
    [since],
  );
  return new Map(rows.map((r) => [r.day, r.n]));
}
