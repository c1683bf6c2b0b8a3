import type { Language } from '@shared/domain/resources';
import type { ReadConn, WriteConn } from '../database';

/**
 * Review packets: every PDF rendered for a resource (the PDF itself is a blob). Two renderings with the
 * same time are told apart by `rowid`, insertion order (an explicit column on PostgreSQL).
 */

export type StoredPacket = Readonly<{
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

type PacketRow = {
  sha256: string;
  resource_id: string;
  decision_id: string | null;
  language: Language;
  signed_by: string | null;
  pages: number;
  bytes: number;
  rendered_at: string;
  rendered_by: string;
};

export async function insertPacket(tx: WriteConn, p: StoredPacket): Promise<void> {
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

const toPacket = (row: PacketRow | undefined): StoredPacket | null =>
  row
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

/** The newest packet of a resource, whatever it is (draft, copy or signed), or null when none was rendered. */
export async function latestPacket(c: ReadConn, resourceId: string): Promise<StoredPacket | null> {
  return toPacket(
    await c.get<PacketRow>(
      'SELECT * FROM packets WHERE resource_id = ? ORDER BY rendered_at DESC, rowid DESC LIMIT 1',
      [resourceId],
    ),
  );
}

/**
 * The packet of record of a decision: the newest packet its reviewer signed for it. An unsigned
 * rendering after the decision (a row with the decision and no signer) is a copy and never qualifies.
 */
export async function signedPacketOf(c: ReadConn, decisionId: string): Promise<StoredPacket | null> {
  return toPacket(
    await c.get<PacketRow>(
      'SELECT * FROM packets WHERE decision_id = ? AND signed_by IS NOT NULL ORDER BY rendered_at DESC, rowid DESC LIMIT 1',
      [decisionId],
    ),
  );
}

/** The newest packet rendered from exactly this decision (null: a draft), signed or not. */
export async function newestPacketOf(
  c: ReadConn,
  resourceId: string,
  decisionId: string | null,
): Promise<StoredPacket | null> {
  return toPacket(
    await c.get<PacketRow>(
      // IS NOT DISTINCT FROM: equal, or both null (a draft), on both engines (SQLite's `IS`).
      'SELECT * FROM packets WHERE resource_id = ? AND decision_id IS NOT DISTINCT FROM ? ORDER BY rendered_at DESC, rowid DESC LIMIT 1',
      [resourceId, decisionId],
    ),
  );
}

/**
 * Whether `sha256` is a packet rendered for `resourceId`, and whether that resource is reported
 * under `minors` (its packet pages are then sensitive whatever `blurAllMedia` says).
 */
export async function packetOfResource(
  c: ReadConn,
  resourceId: string,
  sha256: string,
): Promise<{ minors: boolean } | null> {
  const row = await c.get<{ minors: number }>(
    `SELECT EXISTS (SELECT 1 FROM resources r, ${c.dialect.jsonArrayElements('r.categories', 'j')}
                     WHERE r.id = p.resource_id AND j.value = 'minors') AS minors
       FROM packets p WHERE p.resource_id = ? AND p.sha256 = ? LIMIT 1`,
    [resourceId, sha256],
  );
  return row === undefined ? null : { minors: row.minors === 1 };
}
