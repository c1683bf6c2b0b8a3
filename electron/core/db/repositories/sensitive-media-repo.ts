import type { ReadConn } from '../database';

export type MediaSensitivity = Readonly<{
  /** Some capture recorded these bytes as an image (a screenshot, a segment, a viewport shot). */
  image: boolean;
  /** An image of these bytes belongs to a capture of a resource in the `minors` category. */
  minors: boolean;
}>;

/**
 * What the artifact servers need to decide whether a blob may go out as it is: the same bytes may
 * be an artifact of several captures (an identical screenshot of two resources), so one capture of
 * a `minors` resource is enough to make them sensitive everywhere.
 */
export async function mediaSensitivity(conn: ReadConn, sha256: string): Promise<MediaSensitivity> {
  const row = await conn.get<{ image: number; minors: number }>(
    `SELECT EXISTS (SELECT 1 FROM artifacts a WHERE a.sha256 = ? AND a.media_type LIKE 'image/%') AS image,
            EXISTS (SELECT 1 FROM artifacts a
                      JOIN captures c ON c.id = a.capture_id
                      JOIN resources r ON r.id = c.resource_id, json_each(r.categories) j
                     WHERE a.sha256 = ? AND a.media_type LIKE 'image/%' AND j.value = 'minors') AS minors`,
    [sha256, sha256],
  );
  return { image: (row?.image ?? 0) === 1, minors: (row?.minors ?? 0) === 1 };
}
