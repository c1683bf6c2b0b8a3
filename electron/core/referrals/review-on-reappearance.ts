import type { ResourceState } from '@shared/domain/resources';
import { systemNextState } from '@shared/domain/workflow';
import type { AuditEntry } from '../custody/audit-log';
import type { WriteConn } from '../db/database';
import { getResourceRef, setResourceState } from '../db/repositories/resources-repo';

/**
 * A referred resource that re-appeared goes back to review. Invariant: it runs inside the
 * transaction that records the `reappeared` referral event, so the event, the resource's move by the
 * workflow's `reopen` rule and its custody entry exist together or not at all. The move is the
 * system's (`systemNextState`), not the actor's: whoever recorded the re-appearance did not decide
 * anything about the resource. What it returns goes into the event's evidence, which is how the
 * referral history links the re-appearance to the new review.
 */
export type ReviewRequest = Readonly<{
  resourceId: string;
  from: ResourceState;
  /** null when the resource was not moved (already waiting for review, or lifted). */
  to: ResourceState | null;
}>;

type Audit = (entry: AuditEntry) => Promise<unknown>;

export async function requestReviewOnReappearance(
  tx: WriteConn,
  audit: Audit,
  e: Readonly<{ resourceId: string; referralId: string; actor: string; at: string }>,
): Promise<ReviewRequest | null> {
  const resource = await getResourceRef(tx, e.resourceId);
  if (resource === null) return null;
  const to = systemNextState(resource.state, 'reopen');
  if (to === null) return { resourceId: resource.id, from: resource.state, to: null };
  await setResourceState(tx, resource.id, to, e.at);
  await audit({
    actor: e.actor,
    action: 'resource.state-changed',
    subject: `resource:${resource.id}`,
    details: { from: resource.state, to, because: 'reappeared', referralId: e.referralId },
  });
  return { resourceId: resource.id, from: resource.state, to };
}
