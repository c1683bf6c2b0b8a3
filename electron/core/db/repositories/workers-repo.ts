import type { ReadConn, WriteConn } from '../database';

/** Registered capture workers (migration 0220): name, key id, public key and the unit CA's certificate. */

export type WorkerRow = Readonly<{
  name: string;
  keyId: string;
  publicKeyPem: string;
  certificatePem: string;
  certificateSha256: string;
  addedAt: string;
  addedBy: string;
}>;

type Row = {
  name: string;
  key_id: string;
  public_key_pem: string;
  certificate_pem: string;
  certificate_sha256: string;
  added_at: string;
  added_by: string;
};

const fromDb = (r: Row): WorkerRow => ({
  name: r.name,
  keyId: r.key_id,
  publicKeyPem: r.public_key_pem,
  certificatePem: r.certificate_pem,
  certificateSha256: r.certificate_sha256,
  addedAt: r.added_at,
  addedBy: r.added_by,
});

export async function insertWorker(tx: WriteConn, w: WorkerRow): Promise<void> {
  await tx.run(
    `INSERT INTO workers (name, key_id, public_key_pem, certificate_pem, certificate_sha256, added_at, added_by)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [w.name, w.keyId, w.publicKeyPem, w.certificatePem, w.certificateSha256, w.addedAt, w.addedBy],
  );
}

export async function listWorkers(c: ReadConn): Promise<WorkerRow[]> {
  return (await c.all<Row>('SELECT * FROM workers ORDER BY name')).map(fromDb);
}

/** The worker holding this key, or null: a request signed by an unknown key is refused. */
export async function workerByKeyId(c: ReadConn, keyId: string): Promise<WorkerRow | null> {
  const row = await c.get<Row>('SELECT * FROM workers WHERE key_id = ?', [keyId]);
  return row === undefined ? null : fromDb(row);
}

export async function workerByName(c: ReadConn, name: string): Promise<WorkerRow | null> {
  const row = await c.get<Row>('SELECT * FROM workers WHERE name = ?', [name]);
  return row === undefined ? null : fromDb(row);
}
