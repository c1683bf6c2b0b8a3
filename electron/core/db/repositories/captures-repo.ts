import { CaptureRecord, type CaptureTimestamp } from '@shared/domain/capture-record';
import { AppError } from '@shared/errors/app-error';
import type { ReadConn, WriteConn } from '../database';
import { indexText } from './search-repo';

type CaptureRow = { id: string; record: string };
type TimestampRow = {
  capture_id: string;
  status: CaptureTimestamp['status'];
  tsa: string | null;
  gen_time: string | null;
  token_sha256: string | null;
};

/** Stores a sealed capture: its record, one row per artifact, and its first timestamp state. */
export async function insertCapture(
  tx: WriteConn,
  record: CaptureRecord,
  at: string,
  origin: string | null = null,
): Promise<void> {
  // Blob paths depend on where the data dir lives today; they are recomputed on every read.
  const stored = { ...record, artifacts: record.artifacts.map((a) => ({ ...a, path: '' })) };
  await tx.run(
    'INSERT INTO captures (id, resource_id, operator, outcome, started_at, finished_at, manifest_sha256, record, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      record.id,
      record.resourceId,
      record.context.operator,
      record.outcome,
      record.startedAt,
      record.finishedAt,
      record.manifestSha256,
      JSON.stringify(stored),
      origin,
    ],
  );
  for (const a of record.artifacts) {
    await tx.run(
      'INSERT INTO artifacts (capture_id, name, kind, media_type, bytes, sha256, segment) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        record.id,
        a.name,
        a.kind,
        a.mediaType,
        a.bytes,
        a.sha256,
        a.segment ? JSON.stringify(a.segment) : null,
      ],
    );
  }
  await insertTimestamp(tx, record.id, record.timestamp, at);
}

/** A timestamp obtained later is a new row; the newest row is the capture's current timestamp state. */
export async function insertTimestamp(
  tx: WriteConn,
  captureId: string,
  ts: CaptureTimestamp,
  at: string,
): Promise<void> {
  await tx.run(
    'INSERT INTO capture_timestamps (capture_id, at, status, tsa, gen_time, token_sha256) VALUES (?, ?, ?, ?, ?, ?)',
    [captureId, at, ts.status, ts.tsa ?? null, ts.genTime ?? null, ts.tokenSha256 ?? null],
  );
}

async function latestTimestamp(conn: ReadConn, captureId: string): Promise<TimestampRow | undefined> {
  return conn.get<TimestampRow>(
    'SELECT capture_id, status, tsa, gen_time, token_sha256 FROM capture_timestamps WHERE capture_id = ? ORDER BY at DESC, rowid DESC LIMIT 1',
    [captureId],
  );
}

/**
 * A record that no longer matches the shared schema is an error, not something to leave out: a
 * resource must never look as if evidence were missing.
 */
function parseRecord(row: CaptureRow): CaptureRecord {
  const parsed = CaptureRecord.safeParse(JSON.parse(row.record));
  if (!parsed.success)
    throw new AppError('internal.unexpected', `the stored record of capture ${row.id} is unreadable`);
  return parsed.data;
}

/**
 * The stored record as it stands today: its newest time-stamp state (a token obtained later adds the
 * token artifact) and the paths of its blobs on this workstation.
 */
async function hydrate(
  conn: ReadConn,
  row: CaptureRow,
  pathOf: (sha256: string) => string,
): Promise<CaptureRecord> {
  const record = parseRecord(row);
  const ts = await latestTimestamp(conn, row.id);
  let timestamp = record.timestamp;
  let artifacts = record.artifacts;
  if (ts) {
    timestamp = {
      status: ts.status,
      ...(ts.tsa ? { tsa: ts.tsa } : {}),
      ...(ts.gen_time ? { genTime: ts.gen_time } : {}),
      ...(ts.token_sha256 ? { tokenSha256: ts.token_sha256 } : {}),
    };
    if (ts.token_sha256 && !artifacts.some((a) => a.kind === 'timestamp-token')) {
      const token = await conn.get<{ bytes: number }>('SELECT bytes FROM blobs WHERE sha256 = ?', [
        ts.token_sha256,
      ]);
      artifacts = [
        ...artifacts,
        {
          kind: 'timestamp-token',
          name: 'manifest.tsr',
          mediaType: 'application/timestamp-reply',
          bytes: token?.bytes ?? 0,
          sha256: ts.token_sha256,
          path: '',
        },
      ];
    }
  }
  return { ...record, timestamp, artifacts: artifacts.map((a) => ({ ...a, path: pathOf(a.sha256) })) };
}

export async function getCapture(
  conn: ReadConn,
  id: string,
  pathOf: (sha256: string) => string,
): Promise<CaptureRecord | null> {
  const row = await conn.get<CaptureRow>('SELECT id, record FROM captures WHERE id = ?', [id]);
  return row ? hydrate(conn, row, pathOf) : null;
}

/** Every capture of a resource, oldest first (re-captures never replace earlier ones). */
export async function listCaptures(
  conn: ReadConn,
  resourceId: string,
  pathOf: (sha256: string) => string,
): Promise<CaptureRecord[]> {
  const rows = await conn.all<CaptureRow>(
    'SELECT id, record FROM captures WHERE resource_id = ? ORDER BY started_at, id',
    [resourceId],
  );
  const out: CaptureRecord[] = [];
  for (const row of rows) out.push(await hydrate(conn, row, pathOf));
  return out;
}

export async function capturesWithPendingTimestamp(
  conn: ReadConn,
): Promise<{ id: string; manifestSha256: string }[]> {
  return conn.all<{ id: string; manifestSha256: string }>(
    `SELECT c.id AS id, c.manifest_sha256 AS "manifestSha256" FROM captures c
     WHERE (SELECT status FROM capture_timestamps t WHERE t.capture_id = c.id ORDER BY at DESC, rowid DESC LIMIT 1) = 'pending'
     ORDER BY c.started_at`,
  );
}

/** Up to 1 MiB of a page's text goes into the full-text index; the whole text stays in the artifact. */
export async function indexCaptureText(
  tx: WriteConn,
  resourceId: string,
  captureId: string,
  title: string,
  text: string,
): Promise<void> {
  await indexText(tx, { title, body: text.slice(0, 1024 * 1024), resourceId, captureId, kind: 'capture' });
}

/** Captures started per UTC day from `since` (inclusive, YYYY-MM-DD). */
export async function capturesPerDay(conn: ReadConn, since: string): Promise<Map<string, number>> {
  const rows = await conn.all<{ day: string; n: number }>(
    'SELECT substr(started_at, 1, 10) AS day, count(*) AS n FROM captures WHERE started_at >= ? GROUP BY day',
    [since],
  );
  return new Map(rows.map((r) => [r.day, r.n]));
}

/** The artifact with this hash among a resource's captures, or null. */
export async function artifactOfResource(
  conn: ReadConn,
  resourceId: string,
  sha256: string,
): Promise<{ name: string; captureId: string } | null> {
  const row = await conn.get<{ name: string; captureId: string }>(
    'SELECT a.name AS name, a.capture_id AS "captureId" FROM artifacts a JOIN captures c ON c.id = a.capture_id WHERE c.resource_id = ? AND a.sha256 = ? LIMIT 1',
    [resourceId, sha256],
  );
  return row ?? null;
}
