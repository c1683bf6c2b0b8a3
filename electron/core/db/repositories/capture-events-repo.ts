import type { ReadConn } from '../database';
import { inBatches } from './sql';

/**
 * The captures the custody log says were sealed for these resources: `capture.sealed` rows name the
 * capture in their subject and the resource in their details. An export holds them against the
 * capture rows, so a row deleted from the database cannot silently drop out of a bundle.
 */
export async function sealedCaptureIdsOf(
  conn: ReadConn,
  resourceIds: readonly string[],
): Promise<{ captureId: string; resourceId: string }[]> {
  const resourceId = conn.dialect.jsonText('details', 'resourceId');
  const rows = await inBatches(resourceIds, (batch, marks) =>
    conn.all<{ subject: string; resource_id: string }>(
      `SELECT subject, ${resourceId} AS resource_id FROM audit
       WHERE action = 'capture.sealed' AND ${resourceId} IN (${marks})`,
      batch,
    ),
  );
  return rows
    .filter((r) => r.subject.startsWith('capture:'))
    .map((r) => ({ captureId: r.subject.slice('capture:'.length), resourceId: r.resource_id }));
}
