import type { ReadConn } from '../database';

export type OpenCapture = Readonly<{ captureId: string; resourceSubject: string; startedSeq: number }>;

/**
 * Captures whose `capture.started` custody row has no end: no `capture.sealed` (subject
 * `capture:<id>`), no `capture.aborted` and no `capture.abandoned` naming the same capture id.
 * What a process killed mid-capture leaves behind.
 */
export async function capturesStartedWithoutEnd(conn: ReadConn): Promise<OpenCapture[]> {
  const started = conn.dialect.jsonText('s.details', 'captureId');
  const ended = conn.dialect.jsonText('e.details', 'captureId');
  return conn.all<OpenCapture>(
    `SELECT ${started} AS "captureId", s.subject AS "resourceSubject", s.seq AS "startedSeq"
       FROM audit s
      WHERE s.action = 'capture.started'
        AND ${started} IS NOT NULL
        AND NOT EXISTS (
          SELECT 1 FROM audit e
           WHERE e.seq > s.seq
             AND ((e.action = 'capture.sealed' AND e.subject = 'capture:' || ${started})
               OR (e.action IN ('capture.aborted', 'capture.abandoned') AND ${ended} = ${started})))
      ORDER BY s.seq`,
  );
}
