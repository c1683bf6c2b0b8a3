import type { DecisionRecord } from '@shared/domain/decision';
import type { Language, ResourceState } from '@shared/domain/resources';
import type { ReadConn, WriteConn } from '../database';

/**
 * What a court bundle import reads and adds: the case, resources, captures' resource counters and
 * decisions it brings (captures themselves go through captures-repo). Import only adds: a row that is
 * already here is looked up, never changed.
 */

export type ImportedCase = Readonly<{ id: string; ref: string; title: string; language: Language }>;

export type ImportedResource = Readonly<{
  id: string;
  caseId: string | null;
  url: string;
  displayUrl: string;
  host: string;
  state: ResourceState;
}>;

export async function insertImportedCase(
  tx: WriteConn,
  c: ImportedCase,
  at: string,
  actor: string,
): Promise<void> {
  await tx.run(
    'INSERT INTO cases (id, ref, title, language, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
    [c.id, c.ref, c.title, c.language, at, actor],
  );
}

/** The id this data dir knows a resource by: the same id, else a resource with the same URL. */
export async function localResourceId(conn: ReadConn, id: string, url: string): Promise<string | null> {
  const byId = await conn.get<{ id: string }>('SELECT id FROM resources WHERE id = ?', [id]);
  const byUrl = byId ?? (await conn.get<{ id: string }>('SELECT id FROM resources WHERE url = ?', [url]));
  return byUrl?.id ?? null;
}

/** A resource that came with a bundle: no reports here, no categories, no captures counted yet. */
export async function insertImportedResource(tx: WriteConn, r: ImportedResource, at: string): Promise<void> {
  await tx.run(
    `INSERT INTO resources (id, case_id, url, display_url, host, state, categories, report_count, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, '[]', 0, ?, ?)`,
    [r.id, r.caseId, r.url, r.displayUrl, r.host, r.state, at, at],
  );
}

export async function captureExists(conn: ReadConn, id: string): Promise<boolean> {
  return (await conn.get('SELECT id FROM captures WHERE id = ?', [id])) !== undefined;
}

/** Counts an imported capture on its resource; the last capture time only moves forward. */
export async function noteImportedCapture(
  tx: WriteConn,
  resourceId: string,
  finishedAt: string,
): Promise<void> {
  await tx.run(
    `UPDATE resources SET capture_count = capture_count + 1, last_captured_at = ${tx.dialect.larger('coalesce(last_captured_at, ?)', '?')} WHERE id = ?`,
    [finishedAt, finishedAt, resourceId],
  );
}

export async function decisionExists(conn: ReadConn, id: string): Promise<boolean> {
  return (await conn.get('SELECT id FROM decisions WHERE id = ?', [id])) !== undefined;
}

/**
 * Stores a signed decision as it came: `recordJson` is the record's exact text (its signature covers
 * its canonical form, and the bundle's hash covers these bytes).
 */
export async function insertImportedDecision(
  tx: WriteConn,
  record: DecisionRecord,
  resourceId: string,
  supersedes: string | null,
  recordJson: string,
): Promise<void> {
  await tx.run(
    'INSERT INTO decisions (id, resource_id, reviewer, decision, signed_at, supersedes, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [
      record.id,
      resourceId,
      record.reviewer.name,
      record.fields.decision,
      record.signedAt,
      supersedes,
      recordJson,
    ],
  );
}
