import type { ResourceState } from './resources';
import type { Role } from './users';

/**
 * The resource life cycle of DESIGN §1 as pure rules. The UI asks `allowedActions` to enable
 * buttons; the backend calls `nextState` (which throws nothing: it returns null when refused) and
 * refuses the request when the answer is null. Keeping both on one table means they can't drift.
 */
export const WORKFLOW_ACTIONS = [
  'capture',
  'capture_succeeded',
  'capture_failed',
  'request_review',
  'approve',
  'reject',
  'request_recapture',
  'mark_blocked',
  'verify_blocked',
  'lift',
  'reopen',
] as const;
export type WorkflowAction = (typeof WORKFLOW_ACTIONS)[number];

/**
 * `system` marks an action no user takes: Vigil itself does it when something it records calls for
 * it (`systemNextState`). Its `roles` stay empty, so `nextState` and `allowedActions` never offer it.
 */
type Rule = Readonly<{
  from: readonly ResourceState[];
  to: ResourceState | 'same';
  roles: readonly Role[];
  system?: true;
}>;

const CAPTURABLE: readonly ResourceState[] = [
  'reported',
  'captured',
  'capture_failed',
  'in_review',
  'needs_recapture',
  'rejected',
  // A re-capture after blocking is how a block is shown to have taken effect.
  'approved',
  'blocked',
  'block_verified',
];

/** Where a reviewer may sign a decision: evidence ready for review, or a final decision to revise. */
const DECIDABLE: readonly ResourceState[] = ['captured', 'in_review', 'approved', 'rejected'];

export const WORKFLOW: Readonly<Record<WorkflowAction, Rule>> = {
  capture: { from: CAPTURABLE, to: 'same', roles: ['investigator', 'admin'] },
  // The outcome of a capture moves only resources that are waiting for evidence; a re-capture of a
  // resource already under review or decided adds evidence without undoing the decision.
  capture_succeeded: {
    from: ['reported', 'capture_failed', 'needs_recapture', 'captured'],
    to: 'captured',
    roles: ['investigator', 'admin'],
  },
  capture_failed: {
    from: ['reported', 'needs_recapture', 'capture_failed'],
    to: 'capture_failed',
    roles: ['investigator', 'admin'],
  },
  request_review: { from: ['captured'], to: 'in_review', roles: ['investigator', 'admin'] },
  // A signed decision is immutable; a revision is a new decision that supersedes it, so a final
  // decision (approved or rejected) can be decided again. Not once blocked: lifting a block that is in
  // place is a separate process with its own authority, which Vigil does not model.
  approve: { from: DECIDABLE, to: 'approved', roles: ['reviewer'] },
  reject: { from: DECIDABLE, to: 'rejected', roles: ['reviewer'] },
  request_recapture: { from: DECIDABLE, to: 'needs_recapture', roles: ['reviewer'] },
  mark_blocked: { from: ['approved'], to: 'blocked', roles: ['investigator', 'admin'] },
  verify_blocked: { from: ['blocked'], to: 'block_verified', roles: ['investigator', 'admin'] },
  // Only with a signed appeal decision (referrals/appeal-service): nobody restores a resource otherwise.
  lift: { from: ['approved', 'blocked', 'block_verified'], to: 'lifted', roles: ['reviewer'] },
  // A referred resource that re-appeared after its removal goes back to review: a reviewer decides
  // on it again (the referral history links the re-appearance to the request). A lifted resource's
  // return is expected and a resource already waiting for review stays where it is.
  reopen: { from: ['approved', 'blocked', 'block_verified'], to: 'in_review', roles: [], system: true },
};

/** The state after `action`, or null when the rules refuse it. */
export function nextState(state: ResourceState, action: WorkflowAction, role: Role): ResourceState | null {
  const rule = WORKFLOW[action];
  if (!rule.from.includes(state) || !rule.roles.includes(role)) return null;
  return rule.to === 'same' ? state : rule.to;
}

/** The state after a `system` action Vigil takes by itself, or null when the rules refuse it. */
export function systemNextState(state: ResourceState, action: WorkflowAction): ResourceState | null {
  const rule = WORKFLOW[action];
  if (rule.system !== true || !rule.from.includes(state)) return null;
  return rule.to === 'same' ? state : rule.to;
}

/** Actions a user with `role` may take on a resource in `state` (for enabling UI controls). */
export function allowedActions(state: ResourceState, role: Role): WorkflowAction[] {
  return WORKFLOW_ACTIONS.filter((a) => nextState(state, a, role) !== null);
}

/** Separation of duties: nobody signs a decision about evidence they captured themselves. */
export function isSelfApproval(reviewer: string, captureOperators: readonly string[]): boolean {
  return captureOperators.includes(reviewer);
}

/** The state a resource enters the workflow in, with its first report. */
export const INITIAL_STATE: ResourceState = 'reported';

/** Resources waiting for a capture (`vigil queue run`, the investigator's "waiting for me"). */
export const AWAITING_CAPTURE: readonly ResourceState[] = ['reported', 'needs_recapture'];

/**
 * Resources waiting for a reviewer, the most urgent first: explicitly sent to review, then captured
 * (evidence ready). Lists built from it keep this order.
 */
export const AWAITING_REVIEW: readonly ResourceState[] = ['in_review', 'captured'];

/** Who has something to do with resources in which states (the dashboard's "waiting for me"). */
export const AWAITING_ROLE: Readonly<Record<Role, readonly ResourceState[]>> = {
  reviewer: AWAITING_REVIEW,
  investigator: AWAITING_CAPTURE,
  admin: AWAITING_CAPTURE,
};
