import { DecisionRecord } from '@shared/domain/decision';
import type { ResourceState } from '@shared/domain/resources';
import type { ReadConn } from '../database';

/** A resource whose newest decision is an approval, with that decision. */
export type ApprovedResource = Readonly<{
  record: DecisionRecord;
  url: string;
  host: string;
  state: ResourceState;
}>;

/**
 * Every resource whose newest decision is an approval, in signing order. The newest decision of each
 * resource decides; an approval later superseded is not among them.
 */
export async function newestApprovals(conn: ReadConn): Promise<ApprovedResource[]> {
  const rows = await conn.all<{ record: string; url: string; host: string; state: ResourceState }>(
    `SELECT d.record AS record, r.url AS url, r.host AS host, r.state AS state
     FROM decisions d JOIN resources r ON r.id = d.resource_id
     WHERE d.rowid = (SELECT d2.rowid FROM decisions d2 WHERE d2.resource_id = d.resource_id ORDER BY d2.signed_at DESC, d2.rowid DESC LIMIT 1)
       AND d.decision = 'approve'
     ORDER BY d.signed_at, d.id`,
  );
  return rows.map((row) => ({
    record: DecisionRecord.parse(JSON.parse(row.record)),
    url: row.url,
    host: row.host,
    state: row.state,
  }));
}
