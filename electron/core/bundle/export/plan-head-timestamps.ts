import { inspectTimestampToken } from '@core/custody/tsa-client';
import { latestHeadTimestamp } from '@core/db/repositories/time-stamps-repo';
import type { Workspace } from '@core/workspace';
import type { Planned } from './planned-file';

/**
 * The newest RFC 3161 token over the custody log's head (custody/head-timestamps.ts; one is taken at
 * every export, so it anchors every row up to the export), as three files a court checks with
 * `openssl ts -verify -data custody/head.json -in custody/head.tsr -CAfile tsa/ca.pem`, and the
 * `.tsq` beside it so the nonce can be rechecked (`openssl ts -verify -queryfile custody/head.tsq`).
 */
export const HEAD_FILES = {
  statement: 'custody/head.json',
  token: 'custody/head.tsr',
  query: 'custody/head.tsq',
} as const;

export async function planHeadTimestamps(
  ws: Workspace,
  planned: Planned[],
  tokenCerts: string[],
): Promise<void> {
  const s = await ws.db.read((c) => latestHeadTimestamp(c));
  if (s === null) return;
  const files: [string, string][] = [
    [HEAD_FILES.statement, s.statementSha256],
    [HEAD_FILES.token, s.tokenSha256],
    [HEAD_FILES.query, s.querySha256],
  ];
  for (const [path, sha256] of files) {
    const bytes = await ws.blobs.read(sha256);
    planned.push({ path, bytes: bytes.length, sha256, open: () => ws.blobs.open(sha256) });
    if (path === HEAD_FILES.token) tokenCerts.push(...inspectTimestampToken(bytes).certificatesPem);
  }
}
