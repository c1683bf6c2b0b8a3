import type { AuditRow } from '@shared/contract/methods/custody';
import type { Language, ResourceState } from '@shared/domain/resources';
import type { ReadConn } from '../database';

/**
 * What a court bundle export reads beyond captures and decisions: the selected case and resources,
 * the custody rows of every subject in the bundle, and the accounts of the people whose work it carries.
 */

export type ExportCase = Readonly<{ id: string; ref: string; title: string; language: Language }>;

export type ExportResource = Readonly<{
  id: string;
  url: string;
  displayUrl: string;
  host: string;
  state: ResourceState;
  caseId: string | null;
}>;

export type ExportUser = Readonly<{ name: string; certificatePem: string; publicKeyPem: string }>;

type ResourceRow = {
  id: string;
  url: string;
  display_url: string;
  host: string;
  state: ResourceState;
  case_id: string | null;
};

type AuditDbRow = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
};

// Long IN lists are read in batches, within SQLite's limit on bound parameters.
const IN_BATCH = 500;

async function inBatches<T>(
  values: readonly string[],
  fn: (batch: string[], marks: string) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += IN_BATCH) {
    const batch = values.slice(i, i + IN_BATCH);
    out.push(...(await fn(batch, batch.map(() => '?').join(','))));
  }
  return out;
}

const toResource = (r: ResourceRow): ExportResource => ({
  id: r.id,
  url: r.url,
  displayUrl: r.display_url,
  host: r.host,
  state: r.state,
  caseId: r.case_id,
});

export async function caseByRef(conn: ReadConn, ref: string): Promise<ExportCase | null> {
  return (
    (await conn.get<ExportCase>('SELECT id, ref, title, language FROM cases WHERE ref = ?', [ref])) ?? null
  );
}

export async function caseById(conn: ReadConn, id: string): Promise<ExportCase | null> {
  return (
    (await conn.get<ExportCase>('SELECT id, ref, title, language FROM cases WHERE id = ?', [id])) ?? null
  );
}

/** The resources of a case, by id. */
export async function resourcesOfCase(conn: ReadConn, caseId: string): Promise<ExportResource[]> {
  const rows = await conn.all<ResourceRow>(
    'SELECT id, url, display_url, host, state, case_id FROM resources WHERE case_id = ? ORDER BY id',
    [caseId],
  );
  return rows.map(toResource);
}

/** The resources with these ids that exist, by id within each batch of ids. */
export async function resourcesByIds(conn: ReadConn, ids: readonly string[]): Promise<ExportResource[]> {
  const rows = await inBatches(ids, (batch, marks) =>
    conn.all<ResourceRow>(
      `SELECT id, url, display_url, host, state, case_id FROM resources WHERE id IN (${marks}) ORDER BY id`,
      batch,
    ),
  );
  return rows.map(toResource);
}

/** The custody rows of these subjects (`case:…`, `resource:…`), in log order. */
export async function auditRowsOfSubjects(conn: ReadConn, subjects: readonly string[]): Promise<AuditRow[]> {
  const rows = await inBatches(subjects, (batch, marks) =>
    conn.all<AuditDbRow>(
      `SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit WHERE subject IN (${marks})`,
      batch,
    ),
  );
  return rows
    .sort((a, b) => a.seq - b.seq)
    .map((r): AuditRow => ({
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      details: JSON.parse(r.details) as unknown,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
}

/** The accounts among these names, with their certificate and public key. */
export async function usersByNames(conn: ReadConn, names: readonly string[]): Promise<ExportUser[]> {
  return inBatches(names, (batch, marks) =>
    conn.all<ExportUser>(
      `SELECT name, certificate_pem AS certificatePem, public_key_pem AS publicKeyPem FROM users WHERE name IN (${marks})`,
      batch,
    ),
  );
}
