import type { AuditEntry } from '../custody/audit-log';
import type { ReadConn, WriteConn } from '../db/database';
import { getResourceRef } from '../db/repositories/resources-repo';
import {
  insertFlagEvent,
  latestFlagEvent,
  type FlagEvent,
  type FlagSource,
} from '../db/repositories/resource-flags-repo';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import type { Workspace } from '../workspace';

/**
 * The `suspected_csam` flag of a resource. Invariant: the flag is only ever raised by a new event
 * (intake, an investigator, a known-hash list match) and only lifted by an admin's event with a
 * reason; each event is a custody entry (`resource.flagged` / `resource.flag-lifted`) in the same
 * transaction. The current state is the newest event. A flagged resource is captured restricted.
 */
export type SuspectedCsam = Readonly<{
  flagged: boolean;
  /** The newest event, raised or lifted; null when the flag was never raised. */
  last: FlagEvent | null;
}>;

type Audit = (entry: AuditEntry) => Promise<unknown>;

export async function suspectedCsamOf(c: ReadConn, resourceId: string): Promise<SuspectedCsam> {
  const last = await latestFlagEvent(c, resourceId);
  return { flagged: last?.event === 'raised', last };
}

/**
 * Raises the flag inside a caller's transaction (intake, capture sealing). Raising a flag that is
 * already raised records nothing and returns false.
 */
export async function raiseFlagIn(
  tx: WriteConn,
  audit: Audit,
  e: Readonly<{
    resourceId: string;
    source: Exclude<FlagSource, 'admin'>;
    reason: string;
    actor: string;
    at: string;
  }>,
  details: Readonly<Record<string, unknown>> = {},
): Promise<boolean> {
  if ((await suspectedCsamOf(tx, e.resourceId)).flagged) return false;
  await insertFlagEvent(tx, { ...e, event: 'raised' });
  await audit({
    actor: e.actor,
    action: 'resource.flagged',
    subject: `resource:${e.resourceId}`,
    details: { flag: 'suspected_csam', source: e.source, reason: e.reason, ...details },
  });
  return true;
}

export async function raiseSuspectedCsam(
  ws: Workspace,
  input: Readonly<{ resourceId: string; reason: string; actor: string; source?: 'intake' | 'investigator' }>,
): Promise<SuspectedCsam> {
  const reason = requireReason(input.reason);
  return ws.record(async (tx, audit) => {
    await requireResource(tx, input.resourceId);
    await raiseFlagIn(tx, audit, {
      resourceId: input.resourceId,
      source: input.source ?? 'investigator',
      reason,
      actor: input.actor,
      at: ws.clock().toISOString(),
    });
    return suspectedCsamOf(tx, input.resourceId);
  });
}

/** Lifting is an admin's decision, with a reason; it is recorded, never a silent removal. */
export async function liftSuspectedCsam(
  ws: Workspace,
  input: Readonly<{ resourceId: string; reason: string; actor: string; role: Role }>,
): Promise<SuspectedCsam> {
  if (input.role !== 'admin')
    throw new AppError('auth.forbidden', 'only an admin can lift the suspected_csam flag');
  const reason = requireReason(input.reason);
  return ws.record(async (tx, audit) => {
    await requireResource(tx, input.resourceId);
    const now = await suspectedCsamOf(tx, input.resourceId);
    if (!now.flagged)
      throw new AppError('input.invalid', `resource ${input.resourceId} is not flagged suspected_csam`);
    await insertFlagEvent(tx, {
      resourceId: input.resourceId,
      event: 'lifted',
      source: 'admin',
      reason,
      actor: input.actor,
      at: ws.clock().toISOString(),
    });
    await audit({
      actor: input.actor,
      action: 'resource.flag-lifted',
      subject: `resource:${input.resourceId}`,
      details: { flag: 'suspected_csam', reason, raisedBy: now.last?.source ?? null },
    });
    return suspectedCsamOf(tx, input.resourceId);
  });
}

function requireReason(reason: string): string {
  const r = reason.trim();
  if (r === '') throw new AppError('input.invalid', 'a reason is required (--reason TEXT)');
  return r;
}

async function requireResource(c: ReadConn, id: string): Promise<void> {
  if ((await getResourceRef(c, id)) === null) throw new AppError('evidence.not-found', `no resource ${id}`);
}

/** The reason recorded when a report is entered with the suspected_csam answer "yes". */
export const INTAKE_FLAG_REASON = 'reported as suspected child sexual abuse material at intake';
