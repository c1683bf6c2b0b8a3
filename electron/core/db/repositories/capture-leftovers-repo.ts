import type { ReadConn } from '../database';

export type OpenCapture = Readonly<{ captureId: string; resourceSubject: string; startedSeq: number }>;

/**
 * Captures whose `capture.started` custody row has no end: no `capture.sealed` (subject
 * `capture:<id>`), no `capture.aborted` and no `capture.abandoned` naming the same capture id.
 * What a process killed mid-capture leaves behind.
 */
export async function capturesStartedWithoutEnd(conn: ReadConn): Promise<OpenCapture[]> {
  return conn.all<OpenCapture>(
    `SELECT json_extract(s.details, '$.captureId') AS captureId, s.subject AS resourceSubject, s.seq AS startedSeq
       FROM audit s
      WHERE s.action = 'capture.started'
        AND json_extract(s.details, '$.captureId') IS NOT NULL
        AND NOT EXISTS (
          SELECT 1 FROM audit e
           WHERE e.seq > s.seq
             AND ((e.action = 'capture.sealed' AND e.subject = 'capture:' || json_extract(s.details, '$.captureId'))
               OR (e.action IN ('capture.aborted', 'capture.abandoned')
                   AND json_extract(e.details, '$.captureId') = json_extract(s.details, '$.captureId'))))
      ORDER BY s.seq`,
  );
}
