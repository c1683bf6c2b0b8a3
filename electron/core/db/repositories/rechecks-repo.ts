import { RecheckClassification } from '@shared/domain/recheck';
import { AppError } from '@shared/errors/app-error';
import type { ReadConn, WriteConn } from '../database';

/** Re-checks of referred URLs: append-only rows (migration 0160), one per light fetch. */

export type Recheck = Readonly<{
  seq: number;
  referralId: string;
  resourceId: string;
  at: string;
  classification: RecheckClassification;
  reason: string;
  status: number | null;
  finalUrl: string | null;
  textSha256: string | null;
  domSha256: string | null;
  captureId: string | null;
  actor: string;
}>;

export type NewRecheck = Omit<Recheck, 'seq'>;

type Row = {
  seq: number;
  referral_id: string;
  resource_id: string;
  at: string;
  classification: string;
  reason: string;
  status: number | null;
  final_url: string | null;
  text_sha256: string | null;
  dom_sha256: string | null;
  capture_id: string | null;
  actor: string;
};

const fromDb = (r: Row): Recheck => ({
  seq: r.seq,
  referralId: r.referral_id,
  resourceId: r.resource_id,
  at: r.at,
  classification: RecheckClassification.parse(r.classification),
  reason: r.reason,
  status: r.status,
  finalUrl: r.final_url,
  textSha256: r.text_sha256,
  domSha256: r.dom_sha256,
  captureId: r.capture_id,
  actor: r.actor,
});

export async function insertRecheck(tx: WriteConn, r: NewRecheck): Promise<Recheck> {
  const { lastID } = await tx.run(
    `INSERT INTO rechecks (referral_id, resource_id, at, classification, reason, status, final_url, text_sha256,
       dom_sha256, capture_id, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${tx.dialect.returningKey('seq')}`,
    [
      r.referralId,
      r.resourceId,
      r.at,
      r.classification,
      r.reason,
      r.status,
      r.finalUrl,
      r.textSha256,
      r.domSha256,
      r.captureId,
      r.actor,
    ],
  );
  const row = await tx.get<Row>('SELECT * FROM rechecks WHERE seq = ?', [lastID]);
  if (row === undefined) throw new AppError('internal.unexpected', 'the re-check just written is missing');
  return fromDb(row);
}

/** A referral's re-checks, oldest first. */
export async function listRechecks(c: ReadConn, referralId: string): Promise<Recheck[]> {
  const rows = await c.all<Row>('SELECT * FROM rechecks WHERE referral_id = ? ORDER BY seq', [referralId]);
  return rows.map(fromDb);
}

/** The stored blob (sha256) of one artifact kind of a capture, or null (an older capture may lack it). */
export async function captureArtifactSha256(
  c: ReadConn,
  captureId: string,
  kind: 'text' | 'dom',
): Promise<string | null> {
  const row = await c.get<{ sha256: string }>(
    `SELECT sha256 FROM artifacts WHERE capture_id = ? AND kind = ? ORDER BY ${c.dialect.byteOrder('name')} LIMIT 1`,
    [captureId, kind],
  );
  return row?.sha256 ?? null;
}
