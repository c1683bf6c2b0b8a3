import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { DecisionRecord } from '@shared/domain/decision';
import type { ResourceState } from '@shared/domain/resources';
import type { Role } from '@shared/domain/users';
import { nextState } from '@shared/domain/workflow';
import { AppError } from '@shared/errors/app-error';
import type { CaptureService } from '../capture/capture-service';
import { canonicalJson } from '../custody/canonical-json';
import { verifyEs256 } from '../custody/signing';
import { newestApprovals } from '../db/repositories/blocklist-repo';
import { getResourceRef, setResourceState } from '../db/repositories/resources-repo';
import { decisionOrigins } from '../db/repositories/trust-repo';
import { userByName } from '../db/repositories/users-repo';
import type { Workspace } from '../workspace';

/**
 * The block list: every resource whose newest decision is a signed approval, in the form an access
 * provider acts on (URL, host, measure, scope, decision id and date, legal basis). A decision whose
 * signature does not verify under its reviewer's certificate is left out and reported, never listed.
 */
export type BlocklistEntry = Readonly<{
  resourceId: string;
  url: string;
  host: string;
  state: ResourceState;
  measure: string;
  targets: readonly string[];
  territorialScope: readonly string[];
  startDate: string | null;
  endDate: string | null;
  decisionId: string;
  signedAt: string;
  reviewer: string;
  legalBasis: string;
}>;

export type Blocklist = Readonly<{
  entries: BlocklistEntry[];
  skipped: { decisionId: string; reason: string }[];
}>;

const LISTED_STATES: ReadonlySet<ResourceState> = new Set(['approved', 'blocked', 'block_verified']);

/** `--since` as a date (YYYY-MM-DD, from midnight UTC) or an ISO time; returns an ISO time to compare. */
export function parseSince(since: string): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00.000Z` : since;
  const t = Date.parse(date);
  if (Number.isNaN(t)) throw new AppError('input.invalid', `--since is not a date: ${since}`);
  return new Date(t).toISOString();
}

async function reviewerCertificate(ws: Workspace, record: DecisionRecord): Promise<string | null> {
  const user = await ws.db.read((c) => userByName(c, record.reviewer.name));
  const candidates = [user?.certificatePem];
  const imported = join(ws.paths.keys, 'imported', 'users', `${record.reviewer.certificateSha256}.crt.pem`);
  if (existsSync(imported)) candidates.push(await readFile(imported, 'utf8'));
  for (const pem of candidates) {
    if (pem === undefined) continue;
    const fp = new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
    if (fp === record.reviewer.certificateSha256) return pem;
  }
  return null;
}

export async function buildBlocklist(
  ws: Workspace,
  opts: Readonly<{ since?: string }> = {},
): Promise<Blocklist> {
  const since = opts.since === undefined ? null : parseSince(opts.since);
  const approved = await ws.db.read((c) => newestApprovals(c));
  // Our block list holds our own decisions: another unit's, imported with its bundle, is theirs to list.
  const origins = await ws.db.read((c) => decisionOrigins(c));
  const entries: BlocklistEntry[] = [];
  const skipped: Blocklist['skipped'] = [];
  for (const row of approved) {
    const { record } = row;
    if (since !== null && record.signedAt < since) continue;
    const origin = origins.get(record.id);
    if (origin !== undefined) {
      skipped.push({
        decisionId: record.id,
        reason: `decided by another unit (${origin.unit}, CA ${origin.caSha256.slice(0, 16)}…), imported ${origin.importedAt}: not in our block list`,
      });
      continue;
    }
    if (!LISTED_STATES.has(row.state)) {
      skipped.push({ decisionId: record.id, reason: `resource is ${row.state}` });
      continue;
    }
    const cert = await reviewerCertificate(ws, record);
    const { signature, ...unsigned } = record;
    if (
      cert === null ||
      !verifyEs256(
        new X509Certificate(cert).publicKey,
        canonicalJson(unsigned),
        Buffer.from(signature.value, 'base64'),
      )
    ) {
      skipped.push({
        decisionId: record.id,
        reason: 'the signature does not verify under the reviewer certificate',
      });
      continue;
    }
    entries.push({
      resourceId: record.resourceId,
      url: row.url,
      host: row.host,
      state: row.state,
      measure: record.fields.measure ?? '',
      targets: record.fields.targets,
      territorialScope: record.fields.territorialScope,
      startDate: record.fields.startDate,
      endDate: record.fields.endDate,
      decisionId: record.id,
      signedAt: record.signedAt,
      reviewer: record.reviewer.name,
      legalBasis: record.legalBases.map((b) => `${b.instrument} ${b.article}`.trim()).join('; '),
    });
  }
  return { entries, skipped };
}

const CSV_COLUMNS = [
  'url',
  'host',
  'measure',
  'targets',
  'territorial_scope',
  'start_date',
  'end_date',
  'decision_id',
  'signed_at',
  'legal_basis',
  'reviewer',
  'state',
  'resource_id',
] as const;

/** RFC 4180 quoting; cells that a spreadsheet would run as a formula are prefixed with an apostrophe. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function blocklistCsv(list: Blocklist): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of list.entries) {
    lines.push(
      [
        e.url,
        e.host,
        e.measure,
        e.targets.join(' '),
        e.territorialScope.join(' '),
        e.startDate ?? '',
        e.endDate ?? '',
        e.decisionId,
        e.signedAt,
        e.legalBasis,
        e.reviewer,
        e.state,
        e.resourceId,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

async function transition(
  ws: Workspace,
  resourceId: string,
  action: 'mark_blocked' | 'verify_blocked',
  actor: string,
  role: Role,
  details: Readonly<Record<string, unknown>>,
): Promise<ResourceState> {
  const to = await ws.record(async (tx, audit) => {
    const ref = await getResourceRef(tx, resourceId);
    if (ref === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
    const next = nextState(ref.state, action, role);
    if (next === null)
      throw new AppError(
        'review.invalid-transition',
        `a resource in state ${ref.state} cannot be ${action === 'mark_blocked' ? 'marked blocked' : 'verified as blocked'}`,
      );
    const at = ws.clock().toISOString();
    await setResourceState(tx, resourceId, next, at);
    await audit({
      actor,
      action: action === 'mark_blocked' ? 'block.marked' : 'block.verified',
      subject: `resource:${resourceId}`,
      details,
    });
    await audit({
      actor,
      action: 'resource.state-changed',
      subject: `resource:${resourceId}`,
      details: { from: ref.state, to: next, because: action },
    });
    return next;
  });
  ws.events.emit('resource.changed', { resourceId, state: to });
  return to;
}

/** Records that the block was put in place (approved → blocked). */
export function markBlocked(
  ws: Workspace,
  resourceId: string,
  actor: string,
  role: Role,
): Promise<ResourceState> {
  return transition(ws, resourceId, 'mark_blocked', actor, role, {});
}

export type VerifyBlockedResult = Readonly<{
  state: ResourceState;
  capture: CaptureRecord;
  reachable: boolean;
}>;

/**
 * Re-captures a blocked resource and records that capture as the evidence of the block
 * (blocked → block_verified). `reachable` says the page still answered 2xx: the capture shows
 * what was seen either way, and a person judges whether the block holds.
 */
export async function verifyBlocked(
  ws: Workspace,
  captures: CaptureService,
  resourceId: string,
  actor: string,
  role: Role,
  request: Readonly<{
    allowPrivateNetwork?: boolean;
    tsaUrl?: string | null;
    ignoreHttpsErrors?: boolean;
  }> = {},
): Promise<VerifyBlockedResult> {
  const ref = await ws.db.read((c) => getResourceRef(c, resourceId));
  if (ref === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
  if (nextState(ref.state, 'verify_blocked', role) === null)
    throw new AppError(
      'review.invalid-transition',
      `a resource in state ${ref.state} cannot be verified as blocked`,
    );
  const capture = await captures.captureResource(resourceId, { operator: actor, ...request });
  const status = capture.http.status;
  const reachable = capture.outcome !== 'failed' && status !== null && status >= 200 && status < 300;
  const state = await transition(ws, resourceId, 'verify_blocked', actor, role, {
    captureId: capture.id,
    manifestSha256: capture.manifestSha256,
    outcome: capture.outcome,
    httpStatus: status,
    error: capture.error ?? null,
    reachable,
  });
  return { state, capture, reachable };
}
