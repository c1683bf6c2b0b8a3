import { createPublicKey } from 'node:crypto';
import { AuditRow } from '@shared/contract/methods/custody';
import { SignedHead, headVerifies } from '@core/custody/audit-head';
import { auditHash } from '@core/custody/audit-log';
import { keyIdOf } from '@core/custody/signing';
import { NAMES, type BundleManifest } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

const parseRow = (line: string): AuditRow | null => {
  try {
    return AuditRow.parse(JSON.parse(line));
  } catch {
    return null;
  }
};

const linesOf = (bytes: Buffer): string[] =>
  bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');

/** What is wrong with the rows: each row's hash recomputes from its own fields; consecutive rows link. */
function rowProblems(lines: readonly string[]): string[] {
  const bad: string[] = [];
  let previous: AuditRow | null = null;
  lines.forEach((line, i) => {
    const row = parseRow(line);
    if (row === null) {
      bad.push(`line ${i + 1} is not an audit row`);
      return;
    }
    if (auditHash(row) !== row.hash) bad.push(`row ${row.seq} (line ${i + 1}) does not recompute`);
    if (previous !== null && row.seq <= previous.seq) bad.push(`row ${row.seq} is out of order`);
    if (previous !== null && row.seq === previous.seq + 1 && row.prevHash !== previous.hash)
      bad.push(`row ${row.seq} does not link to row ${previous.seq}`);
    previous = row;
  });
  return bad;
}

/** custody.jsonl: the audit rows of the bundle's subjects, as many as manifest.json says. */
export function checkCustody(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  const custody = ctx.content(NAMES.custody);
  if (custody === null) return [checkOf('custody.rows', NAMES.custody, false, 'custody.jsonl is missing')];
  const lines = linesOf(custody);
  const bad = rowProblems(lines);
  if (lines.length !== manifest.custody.rows)
    bad.push(`${lines.length} rows, manifest.json says ${manifest.custody.rows}`);
  return [
    checkOf(
      'custody.rows',
      NAMES.custody,
      bad.length === 0,
      bad.length === 0 ? `${lines.length} rows, each hash recomputes` : bad.slice(0, 10).join('; '),
    ),
  ];
}

type MigratedEntry = NonNullable<BundleManifest['custody']['migrated']>[number];

function parseJson(bytes: Buffer | null): unknown {
  try {
    return bytes === null ? null : (JSON.parse(bytes.toString('utf8')) as unknown);
  } catch {
    return null;
  }
}

function keyIdOfPem(pem: string): string | null {
  try {
    return keyIdOf(createPublicKey(pem));
  } catch {
    return null;
  }
}

/** The workstation's signed head, when it parses and its signature verifies with the bundled key. */
function signedHeadProblem(
  ctx: BundleContext,
  m: MigratedEntry,
): { head: SignedHead | null; problem: string | null } {
  const head = SignedHead.safeParse(parseJson(ctx.content(m.head)));
  if (!head.success) return { head: null, problem: `${m.head} is not a signed head` };
  const pem = ctx.intact(m.publicKey) ? (ctx.content(m.publicKey)?.toString('utf8') ?? null) : null;
  const keyId = pem === null ? null : keyIdOfPem(pem);
  if (pem === null || keyId !== m.workstationKeyId || head.data.keyId !== keyId)
    return { head: head.data, problem: `${m.publicKey} is not the key of workstation ${m.workstationKeyId}` };
  if (!headVerifies(pem, head.data))
    return { head: head.data, problem: `the signed head does not verify with ${m.publicKey}` };
  return { head: head.data, problem: null };
}

/** The server's `workspace.migrated` row in custody.jsonl names this workstation and this head. */
function anchorProblem(ctx: BundleContext, m: MigratedEntry, head: SignedHead): string | null {
  const lines = linesOf(ctx.content(NAMES.custody) ?? Buffer.alloc(0));
  const anchor = lines.map(parseRow).find((r) => r?.seq === m.anchorSeq) ?? null;
  if (anchor === null) return `custody.jsonl holds no row ${m.anchorSeq}`;
  const named = (anchor.details as { sourceHead?: { seq?: unknown; hash?: unknown } } | undefined)
    ?.sourceHead;
  if (
    anchor.action !== 'workspace.migrated' ||
    anchor.subject !== `workstation:${m.workstationKeyId}` ||
    named?.seq !== head.seq ||
    named.hash !== head.hash
  )
    return `custody row ${m.anchorSeq} is not the migration of workstation ${m.workstationKeyId} at its head ${head.seq}`;
  return null;
}

/** The rows lie within the signed head, and the head's own row, when bundled, has its hash. */
function withinHeadProblems(lines: readonly string[], head: SignedHead): string[] {
  const bad: string[] = [];
  for (const row of lines.map(parseRow)) {
    if (row === null) continue;
    if (row.seq > head.seq) bad.push(`row ${row.seq} lies after the signed head (${head.seq})`);
    if (row.seq === head.seq && row.hash !== head.hash) bad.push(`row ${row.seq} is not the signed head`);
  }
  return bad;
}

function migratedProblems(ctx: BundleContext, m: MigratedEntry): string[] {
  const bytes = ctx.content(m.file);
  if (bytes === null) return [`${m.file} is missing`];
  const lines = linesOf(bytes);
  const bad = rowProblems(lines);
  if (lines.length !== m.rows) bad.push(`${lines.length} rows, manifest.json says ${m.rows}`);
  const { head, problem } = signedHeadProblem(ctx, m);
  if (problem !== null) bad.push(problem);
  if (head === null) return bad;
  const anchor = anchorProblem(ctx, m, head);
  if (anchor !== null) bad.push(anchor);
  return [...bad, ...withinHeadProblems(lines, head)];
}

/**
 * custody/migrated-*.jsonl: rows a workstation kept before it was migrated into the exporting team
 * server. Each recomputes, lies within the workstation's own signed head, and that head is the one
 * the server's `workspace.migrated` row (in custody.jsonl, under the bundle's signature) anchored.
 */
export function checkMigratedCustody(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  return (manifest.custody.migrated ?? []).map((m) => {
    const bad = migratedProblems(ctx, m);
    return checkOf(
      'custody.migrated',
      m.file,
      bad.length === 0,
      bad.length === 0
        ? `${m.rows} rows kept by workstation ${m.workstationKeyId.slice(0, 16)} before migration, each hash recomputes, within its signed head anchored by custody row ${m.anchorSeq}`
        : bad.slice(0, 10).join('; '),
    );
  });
}
