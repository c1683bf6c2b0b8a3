import type { ReadConn, WriteConn } from '../database';

/** Cases: a reference (`ref`) that reports and bundles name, and the resources filed under it. */

export async function findCaseByRef(c: ReadConn, ref: string): Promise<string | null> {
  return (await c.get<{ id: string }>('SELECT id FROM cases WHERE ref = ?', [ref]))?.id ?? null;
}

export async function caseRefOf(c: ReadConn, caseId: string): Promise<string | null> {
  return (await c.get<{ ref: string }>('SELECT ref FROM cases WHERE id = ?', [caseId]))?.ref ?? null;
}

export async function insertCase(
  tx: WriteConn,
  c: Readonly<{ id: string; ref: string; title: string; at: string; createdBy: string }>,
): Promise<void> {
  await tx.run('INSERT INTO cases (id, ref, title, created_at, created_by) VALUES (?, ?, ?, ?, ?)', [
    c.id,
    c.ref,
    c.title,
    c.at,
    c.createdBy,
  ]);
}
