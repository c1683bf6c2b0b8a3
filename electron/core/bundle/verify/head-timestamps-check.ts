import { errorMessage } from '@shared/errors/app-error';
import { sha256Hex } from '@core/custody/signing';
import { recheckQuery } from '@core/custody/tsa-query-check';
import { NAMES } from '../bundle-format';
import { HEAD_FILES } from '../export/plan-head-timestamps';
import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';
import { verifyBundledToken } from './timestamp-check';

/** The hash custody.jsonl holds for row `seq`, or null when that row is not in the excerpt. */
function excerptHash(ctx: BundleContext, seq: number): string | null {
  const text = ctx.content(NAMES.custody)?.toString('utf8') ?? '';
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const row = JSON.parse(line) as { seq?: unknown; hash?: unknown };
      if (row.seq === seq && typeof row.hash === 'string') return row.hash;
    } catch {
      // custody-check reports unreadable lines.
    }
  }
  return null;
}

const fail = (message: string): VerifyCheck[] => [
  checkOf('custody.head-timestamp', HEAD_FILES.token, false, message),
];

/**
 * custody/head.{json,tsr,tsq}: the RFC 3161 token over the head of the workstation's custody log
 * taken at export. It must verify against the TSA root (the verifier's --tsa-ca, else tsa/ca.pem),
 * answer its kept query (imprint and nonce), and name the hash custody.jsonl holds for that row when
 * the row is in the excerpt. No files at all: no line (a bundle exported without a TSA).
 */
export function checkHeadTimestamps(ctx: BundleContext): VerifyCheck[] {
  const present = Object.values(HEAD_FILES).filter((name) => ctx.files.has(name));
  if (present.length === 0) return [];
  const statement = ctx.content(HEAD_FILES.statement);
  const token = ctx.content(HEAD_FILES.token);
  const query = ctx.content(HEAD_FILES.query);
  if (statement === null || token === null || query === null)
    return fail('custody/head.json, head.tsr and head.tsq are not all here');
  let named: { seq?: unknown; hash?: unknown };
  try {
    named = JSON.parse(statement.toString('utf8')) as typeof named;
  } catch (error) {
    return fail(`custody/head.json does not parse: ${errorMessage(error)}`);
  }
  if (typeof named.seq !== 'number' || typeof named.hash !== 'string')
    return fail('custody/head.json names no row and hash');
  const sha = sha256Hex(statement);
  const verdict = verifyBundledToken(token, sha, ctx.tsa);
  if (!verdict.ok) return fail(verdict.problem);
  try {
    recheckQuery(query, token, Buffer.from(sha, 'hex'));
  } catch (error) {
    return fail(`custody/head.tsq does not match the token: ${errorMessage(error)}`);
  }
  const rowHash = excerptHash(ctx, named.seq);
  if (rowHash !== null && rowHash !== named.hash)
    return fail(`row ${named.seq} in custody.jsonl differs from the row that was time-stamped`);
  const where = rowHash === null ? ` (row ${named.seq} itself is not in this excerpt)` : '';
  return [
    checkOf(
      'custody.head-timestamp',
      HEAD_FILES.token,
      true,
      `custody log anchored up to row ${named.seq} at ${verdict.info.genTime} by ${verdict.info.tsaName ?? 'the TSA'}${where}`,
    ),
  ];
}
