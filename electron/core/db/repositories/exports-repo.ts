import type { Language, ResourceState } from '@shared/domain/resources';
import type { ReadConn } from '../database';
import { inBatches } from './sql';

/**
 * What a court bundle export reads beyond captures and decisions: the selected case and resources,
 * and the accounts of the people whose work it carries.
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

/** The accounts among these names, with their certificate and public key. */
export async function usersByNames(conn: ReadConn, names: readonly string[]): Promise<ExportUser[]> {
  return inBatches(names, (batch, marks) =>
    conn.all<ExportUser>(
      `SELECT name, certificate_pem AS "certificatePem", public_key_pem AS "publicKeyPem" FROM users WHERE name IN (${marks})`,
      batch,
    ),
  );
}
