import type { Language } from '@shared/domain/resources';
import type { ReadConn, WriteConn } from '../database';

/** Review packets: every PDF rendered for a resource (the PDF itself is a blob). */

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

/** The newest packet of a resource (for the court bundle), or null when none was rendered. */
export async function latestPacket(c: ReadConn, resourceId: string): Promise<StoredPacket | null> {
  const row = await c.get<PacketRow>(
    'SELECT * FROM packets WHERE resource_id = ? ORDER BY rendered_at DESC, rowid DESC LIMIT 1',
    [resourceId],
  );
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
