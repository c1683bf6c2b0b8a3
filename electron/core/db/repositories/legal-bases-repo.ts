import { LegalBasis } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import type { ReadConn, WriteConn } from '../database';

/** The legal-basis catalogue: one row per version of an entry; a version once written never changes. */

type BasisRow = { id: string; version: number; record: string };

function parseBasis(row: BasisRow): LegalBasis {
  const parsed = LegalBasis.safeParse(JSON.parse(row.record));
  if (!parsed.success)
    throw new AppError(
      'internal.unexpected',
      `the stored legal basis ${row.id} v${row.version} is unreadable`,
    );
  return parsed.data;
}

/** The newest version of every catalogue entry (what a reviewer may cite today). */
export async function listLatestBases(c: ReadConn): Promise<LegalBasis[]> {
  const rows = await c.all<BasisRow>(
    `SELECT b.id, b.version, b.record FROM legal_bases b
     WHERE b.version = (SELECT max(version) FROM legal_bases x WHERE x.id = b.id)
     ORDER BY ${c.dialect.byteOrder('b.id')}`,
  );
  return rows.map(parseBasis);
}

export async function getLatestBasis(c: ReadConn, id: string): Promise<LegalBasis | null> {
  const row = await c.get<BasisRow>(
    'SELECT id, version, record FROM legal_bases WHERE id = ? ORDER BY version DESC LIMIT 1',
    [id],
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
