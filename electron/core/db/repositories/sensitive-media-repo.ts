import type { ReadConn } from '../database';

export type MediaSensitivity = Readonly<{
  /** Some capture recorded these bytes as an image (a screenshot, a segment, a viewport shot). */
  image: boolean;
  /** An image of these bytes belongs to a capture of a resource in the `minors` category. */
  minors: boolean;
  /**
   * These bytes are a page archive (MHTML or WACZ) of a capture of a `minors` resource: a file that
   * carries the page's images inside it, which no derivative can blur.
   */
  minorsArchive: boolean;
}>;

/** Artifact kinds whose files hold the bytes of the page's media, not only their URLs. */
const EMBEDDING_KINDS = ['mhtml', 'wacz'] as const;

/**
 * What the artifact servers need to decide whether a blob may go out as it is: the same bytes may
 * be an artifact of several captures (an identical screenshot of two resources), so one capture of
 * a `minors` resource is enough to make them sensitive everywhere.
 */
export async function mediaSensitivity(conn: ReadConn, sha256: string): Promise<MediaSensitivity> {
  const kinds = EMBEDDING_KINDS.map(() => '?').join(', ');
  const categories = conn.dialect.jsonArrayElements('r.categories', 'j');
  // lower(): SQLite's LIKE ignores ASCII case and PostgreSQL's does not; both then read `image/…` alike.
  const row = await conn.get<{ image: number; minors: number; archive: number }>(
    `SELECT EXISTS (SELECT 1 FROM artifacts a WHERE a.sha256 = ? AND lower(a.media_type) LIKE 'image/%') AS image,
            EXISTS (SELECT 1 FROM artifacts a
                      JOIN captures c ON c.id = a.capture_id
                      JOIN resources r ON r.id = c.resource_id, ${categories}
                     WHERE a.sha256 = ? AND lower(a.media_type) LIKE 'image/%' AND j.value = 'minors') AS minors,
            EXISTS (SELECT 1 FROM artifacts a
                      JOIN captures c ON c.id = a.capture_id
                      JOIN resources r ON r.id = c.resource_id, ${categories}
                     WHERE a.sha256 = ? AND a.kind IN (${kinds}) AND j.value = 'minors') AS archive`,
    [sha256, sha256, sha256, ...EMBEDDING_KINDS],
  );
  return {
    image: (row?.image ?? 0) === 1,
    minors: (row?.minors ?? 0) === 1,
    minorsArchive: (row?.archive ?? 0) === 1,
  };
}
