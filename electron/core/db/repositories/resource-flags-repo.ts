import type { ReadConn, WriteConn } from '../database';

/** Where a `suspected_csam` event came from (migration 0130). */
export type FlagSource = 'intake' | 'investigator' | 'hashlist' | 'admin';
export type FlagEventKind = 'raised' | 'lifted';

export type FlagEvent = Readonly<{
  resourceId: string;
  event: FlagEventKind;
  source: FlagSource;
  reason: string;
  actor: string;
  at: string;
}>;

type Row = {
  resource_id: string;
  event: FlagEventKind;
  source: FlagSource;
  reason: string;
  actor: string;
  at: string;
};

const fromRow = (r: Row): FlagEvent => ({
  resourceId: r.resource_id,
  event: r.event,
  source: r.source,
  reason: r.reason,
  actor: r.actor,
  at: r.at,
});

export async function insertFlagEvent(tx: WriteConn, e: FlagEvent): Promise<void> {
  await tx.run(
    `INSERT INTO resource_flag_events (resource_id, flag, event, source, reason, actor, at)
     VALUES (?, 'suspected_csam', ?, ?, ?, ?, ?)`,
    [e.resourceId, e.event, e.source, e.reason, e.actor, e.at],
  );
}

/** The newest event of a resource's flag; null when it was never raised. */
export async function latestFlagEvent(c: ReadConn, resourceId: string): Promise<FlagEvent | null> {
  const row = await c.get<Row>(
    `SELECT resource_id, event, source, reason, actor, at FROM resource_flag_events
     WHERE resource_id = ? ORDER BY seq DESC LIMIT 1`,
    [resourceId],
  );
  return row === undefined ? null : fromRow(row);
}

export async function flagHistory(c: ReadConn, resourceId: string): Promise<FlagEvent[]> {
  const rows = await c.all<Row>(
    `SELECT resource_id, event, source, reason, actor, at FROM resource_flag_events
     WHERE resource_id = ? ORDER BY seq`,
    [resourceId],
  );
  return rows.map(fromRow);
}

/** The ids among `resourceIds` whose flag is raised now (the resource list and search hide their media). */
export async function flaggedAmong(c: ReadConn, resourceIds: readonly string[]): Promise<Set<string>> {
  if (resourceIds.length === 0) return new Set();
  const marks = resourceIds.map(() => '?').join(', ');
  const rows = await c.all<{ resource_id: string }>(
    `SELECT e.resource_id FROM resource_flag_events e
     WHERE e.resource_id IN (${marks})
       AND e.seq = (SELECT MAX(seq) FROM resource_flag_events WHERE resource_id = e.resource_id)
       AND e.event = 'raised'`,
    [...resourceIds],
  );
  return new Set(rows.map((r) => r.resource_id));
}
