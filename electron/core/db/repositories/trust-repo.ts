import type { ReadConn, WriteConn } from '../database';

/** The CAs of other units an administrator trusts for import, and the origin of imported decisions. */

export type TrustAction = 'trust' | 'withdraw';

export type TrustRow = Readonly<{
  seq: number;
  certificateSha256: string;
  action: TrustAction;
  name: string;
  subject: string;
  certificatePem: string;
  at: string;
  actor: string;
}>;

type Row = {
  seq: number;
  certificate_sha256: string;
  action: TrustAction;
  name: string;
  subject: string;
  certificate_pem: string;
  at: string;
  actor: string;
};

const toRow = (r: Row): TrustRow => ({
  seq: r.seq,
  certificateSha256: r.certificate_sha256,
  action: r.action,
  name: r.name,
  subject: r.subject,
  certificatePem: r.certificate_pem,
  at: r.at,
  actor: r.actor,
});

const COLUMNS = 'seq, certificate_sha256, action, name, subject, certificate_pem, at, actor';

export async function insertTrustRow(tx: WriteConn, r: Omit<TrustRow, 'seq'>): Promise<void> {
  await tx.run(
    'INSERT INTO trusted_cas (certificate_sha256, action, name, subject, certificate_pem, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [r.certificateSha256, r.action, r.name, r.subject, r.certificatePem, r.at, r.actor],
  );
}

/** The newest row of each fingerprint whose action is `trust`: the CAs trusted now. */
export async function currentlyTrusted(conn: ReadConn): Promise<TrustRow[]> {
  const rows = await conn.all<Row>(
    `SELECT ${COLUMNS} FROM trusted_cas t
     WHERE t.seq = (SELECT MAX(t2.seq) FROM trusted_cas t2 WHERE t2.certificate_sha256 = t.certificate_sha256)
       AND t.action = 'trust'
     ORDER BY ${conn.dialect.byteOrder('t.name')}, t.seq`,
  );
  return rows.map(toRow);
}

/** Every row, oldest first: who trusted or withdrew which CA, and when. */
export async function trustHistory(conn: ReadConn): Promise<TrustRow[]> {
  return (await conn.all<Row>(`SELECT ${COLUMNS} FROM trusted_cas ORDER BY seq`)).map(toRow);
}

export type DecisionOrigin = Readonly<{
  decisionId: string;
  caSha256: string;
  unit: string;
  importedAt: string;
}>;

export async function insertDecisionOrigin(tx: WriteConn, o: DecisionOrigin): Promise<void> {
  await tx.run(
    'INSERT INTO decision_origins (decision_id, ca_sha256, unit, imported_at) VALUES (?, ?, ?, ?) ON CONFLICT (decision_id) DO NOTHING',
    [o.decisionId, o.caSha256, o.unit, o.importedAt],
  );
}

/** The origins of the given decisions (those made by another unit); decisions of ours have none. */
export async function decisionOrigins(conn: ReadConn): Promise<Map<string, DecisionOrigin>> {
  const rows = await conn.all<{ decision_id: string; ca_sha256: string; unit: string; imported_at: string }>(
    'SELECT decision_id, ca_sha256, unit, imported_at FROM decision_origins',
  );
  return new Map(
    rows.map((r) => [
      r.decision_id,
      { decisionId: r.decision_id, caSha256: r.ca_sha256, unit: r.unit, importedAt: r.imported_at },
    ]),
  );
}
