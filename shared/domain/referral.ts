import { z } from 'zod';
import { DecisionId, IsoTime, ResourceId, Sha256Hex } from './ids';
import { Language } from './resources';
import type { Role } from './users';

/**
 * What happens after an approval: a referral asks one recipient (platform, host, registrar, ISP,
 * register, authority) to act on a resource, under one regime's notice template. Its state is never
 * stored: it is the `to_state` of its newest event, and every event goes through REFERRAL_RULES, so
 * the CLI, the UI and the re-checks cannot disagree about which change is allowed or who may make it.
 */

const brandedId = <B extends string>(brand: B, prefix: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{10,40}$`), `not a ${brand} id`)
    .brand<B>();

export const RecipientId = brandedId('RecipientId', 'rcp');
export const ReferralId = brandedId('ReferralId', 'rfl');
export const AppealId = brandedId('AppealId', 'apl');
export type RecipientId = z.infer<typeof RecipientId>;
export type ReferralId = z.infer<typeof ReferralId>;
export type AppealId = z.infer<typeof AppealId>;

export const RECIPIENT_KINDS = ['platform', 'hosting', 'registrar', 'isp', 'register', 'authority'] as const;
export const RecipientKind = z.enum(RECIPIENT_KINDS);
export type RecipientKind = z.infer<typeof RecipientKind>;

/** How a notice reaches the recipient: by email (SMTP), or through their portal or register with a reference. */
export const CHANNELS = ['email', 'portal', 'register'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const REFERRAL_STATES = [
  'draft',
  'sent',
  'acknowledged',
  'removed',
  'partially_removed',
  'refused',
  'moved',
  'reappeared',
  // Ended by a signed appeal decision that lifted the measure; the recipient was sent a lift notice.
  'lifted',
] as const;
export const ReferralState = z.enum(REFERRAL_STATES);
export type ReferralState = z.infer<typeof ReferralState>;

/** Why a recipient refused: a fixed list, so statistics can count them. */
export const REFUSAL_REASONS = [
  'not_illegal',
  'not_our_content',
  'needs_court_order',
  'insufficient_information',
  'already_removed',
  'other',
] as const;
export const RefusalReason = z.enum(REFUSAL_REASONS);
export type RefusalReason = z.infer<typeof RefusalReason>;

export const REFERRAL_ACTIONS = [
  'send',
  'acknowledge',
  'record_removed',
  'record_partially_removed',
  'record_refused',
  'record_moved',
  'record_reappeared',
  'lift',
] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

type ReferralRule = Readonly<{
  from: readonly ReferralState[];
  to: ReferralState;
  roles: readonly Role[];
  /** A refusal must say why, from REFUSAL_REASONS. */
  needsReason: boolean;
}>;

const OPERATORS: readonly Role[] = ['investigator', 'admin'];
/** States in which the recipient has been told and an answer or an outcome can be recorded. */
const OUTSTANDING: readonly ReferralState[] = ['sent', 'acknowledged', 'partially_removed', 'reappeared'];

export const REFERRAL_RULES: Readonly<Record<ReferralAction, ReferralRule>> = {
  // A re-appeared resource is notified again on the same referral (the history links both).
  send: { from: ['draft', 'reappeared'], to: 'sent', roles: OPERATORS, needsReason: false },
  acknowledge: { from: ['sent'], to: 'acknowledged', roles: OPERATORS, needsReason: false },
  record_removed: { from: OUTSTANDING, to: 'removed', roles: OPERATORS, needsReason: false },
  record_partially_removed: {
    from: ['sent', 'acknowledged', 'reappeared'],
    to: 'partially_removed',
    roles: OPERATORS,
    needsReason: false,
  },
  record_refused: { from: OUTSTANDING, to: 'refused', roles: OPERATORS, needsReason: true },
  record_moved: { from: OUTSTANDING, to: 'moved', roles: OPERATORS, needsReason: false },
  record_reappeared: {
    from: ['removed', 'partially_removed', 'moved'],
    to: 'reappeared',
    roles: OPERATORS,
    needsReason: false,
  },
  // Only once a signed appeal decision lifted the resource (the service checks the resource is
  // `lifted`); who then hands the lift notice over may be anyone who handles referrals.
  lift: {
    from: ['sent', 'acknowledged', 'removed', 'partially_removed', 'refused', 'moved', 'reappeared'],
    to: 'lifted',
    roles: ['investigator', 'admin', 'reviewer'],
    needsReason: false,
  },
};

/** The state after `action`, or null when the rules refuse it. */
export function nextReferralState(
  state: ReferralState,
  action: ReferralAction,
  role: Role,
): ReferralState | null {
  const rule = REFERRAL_RULES[action];
  if (!rule.from.includes(state) || !rule.roles.includes(role)) return null;
  return rule.to;
}

/** Actions a user with `role` may take on a referral in `state` (for enabling UI controls). */
export function allowedReferralActions(state: ReferralState, role: Role): ReferralAction[] {
  return REFERRAL_ACTIONS.filter((a) => nextReferralState(state, a, role) !== null);
}

/** The states `vigil referral record ID --state …` accepts, each with its action. */
export const RECORDABLE_STATES = {
  acknowledged: 'acknowledge',
  removed: 'record_removed',
  partially_removed: 'record_partially_removed',
  refused: 'record_refused',
  moved: 'record_moved',
  reappeared: 'record_reappeared',
} as const satisfies Partial<Record<ReferralState, ReferralAction>>;
export type RecordableState = keyof typeof RECORDABLE_STATES;
export const RecordableState = z.enum(
  Object.keys(RECORDABLE_STATES) as [RecordableState, ...RecordableState[]],
);

/** States in which nothing more is expected of the recipient (re-checks stop, reminders stop). */
export const SETTLED_REFERRAL_STATES: readonly ReferralState[] = ['removed', 'refused', 'moved', 'lifted'];

export const NOTICE_KINDS = ['notice', 'reminder', 'escalation', 'lift'] as const;
export const NoticeKind = z.enum(NOTICE_KINDS);
export type NoticeKind = z.infer<typeof NoticeKind>;

export const Recipient = z.object({
  id: RecipientId,
  name: z.string(),
  kind: RecipientKind,
  channel: Channel,
  address: z.string(),
  language: Language,
  verified: z.boolean(),
  verifiedBy: z.string().nullable(),
  verifiedAt: IsoTime.nullable(),
  createdAt: IsoTime,
});
export type Recipient = z.infer<typeof Recipient>;

export const RecipientName = z
  .string()
  .min(1, 'a recipient needs a name')
  .max(200, 'at most 200 characters')
  .refine((s) => s.trim() === s, 'no leading or trailing spaces');

export const ReferralEvent = z.object({
  seq: z.number().int(),
  referralId: ReferralId,
  at: IsoTime,
  actor: z.string(),
  fromState: ReferralState.nullable(),
  toState: ReferralState,
  reason: RefusalReason.nullable(),
  note: z.string().nullable(),
  /** What supports the change: a capture id, a notice hash, the recipient's answer, a signed decision. */
  evidence: z.record(z.string(), z.unknown()),
  deliveredRef: z.string().nullable(),
});
export type ReferralEvent = z.infer<typeof ReferralEvent>;

export const Notice = z.object({
  id: z.number().int(),
  referralId: ReferralId,
  kind: NoticeKind,
  language: Language,
  pdfSha256: Sha256Hex,
  emlSha256: Sha256Hex.nullable(),
  sentAt: IsoTime,
  channel: Channel,
  address: z.string(),
  messageId: z.string().nullable(),
  deliveredRef: z.string().nullable(),
  actor: z.string(),
});
export type Notice = z.infer<typeof Notice>;

/** One referral with its derived state, as lists, re-checks and statistics read it. */
export const ReferralSummary = z.object({
  id: ReferralId,
  resourceId: ResourceId,
  url: z.string(),
  decisionId: DecisionId,
  recipientId: RecipientId,
  recipientName: z.string(),
  regimeId: z.string(),
  templateVersion: z.number().int(),
  language: Language,
  state: ReferralState,
  createdAt: IsoTime,
  createdBy: z.string(),
  /** When the first notice went out; null while a draft. */
  sentAt: IsoTime.nullable(),
  lastEventAt: IsoTime,
  /** The referral this one escalates or follows up, if any. */
  parentId: ReferralId.nullable(),
});
export type ReferralSummary = z.infer<typeof ReferralSummary>;

export const APPEAL_STATES = ['open', 'upheld', 'lifted'] as const;
export const AppealState = z.enum(APPEAL_STATES);
export type AppealState = z.infer<typeof AppealState>;

export const APPEAL_OUTCOMES = ['uphold', 'lift'] as const;
export const AppealOutcome = z.enum(APPEAL_OUTCOMES);
export type AppealOutcome = z.infer<typeof AppealOutcome>;

/** An appeal is decided once, by a reviewer, with a signed record; the outcome names the end state. */
export const APPEAL_RULES: Readonly<
  Record<AppealOutcome, Readonly<{ from: readonly AppealState[]; to: AppealState; roles: readonly Role[] }>>
> = {
  uphold: { from: ['open'], to: 'upheld', roles: ['reviewer'] },
  lift: { from: ['open'], to: 'lifted', roles: ['reviewer'] },
};

export function nextAppealState(state: AppealState, outcome: AppealOutcome, role: Role): AppealState | null {
  const rule = APPEAL_RULES[outcome];
  if (!rule.from.includes(state) || !rule.roles.includes(role)) return null;
  return rule.to;
}

export const APPEAL_TEXT_MAX = 10000;

/** The signed appeal decision. The signature covers canonicalJSON(record without signature), as for decisions. */
export const AppealDecisionRecord = z.object({
  appealId: AppealId,
  resourceId: ResourceId,
  url: z.string(),
  outcome: AppealOutcome,
  explanation: z.string(),
  /** The decision the appeal challenged (the approval in force when it was decided). */
  challengedDecisionId: DecisionId.nullable(),
  appealTextSha256: Sha256Hex,
  reviewer: z.object({ name: z.string(), displayName: z.string(), certificateSha256: z.string() }),
  signedAt: IsoTime,
  signature: z.object({ alg: z.literal('ES256'), keyId: z.string(), value: z.string() }),
});
export type AppealDecisionRecord = z.infer<typeof AppealDecisionRecord>;

export const Appeal = z.object({
  id: AppealId,
  resourceId: ResourceId,
  text: z.string(),
  byName: z.string().nullable(),
  receivedAt: IsoTime,
  createdBy: z.string(),
  state: AppealState,
  decision: AppealDecisionRecord.nullable(),
});
export type Appeal = z.infer<typeof Appeal>;

/** Notice kinds that wait for the sending window when asked for outside it (a lift never waits). */
export const SCHEDULABLE_KINDS = ['notice', 'reminder', 'escalation'] as const;
export const SchedulableKind = z.enum(SCHEDULABLE_KINDS);
export type SchedulableKind = z.infer<typeof SchedulableKind>;

/** A send queued until the sending window opens; pending while `outcome` is null. */
export const ScheduledSend = z.object({
  id: z.number().int(),
  referralId: ReferralId,
  kind: SchedulableKind,
  dueAt: IsoTime,
  createdAt: IsoTime,
  createdBy: z.string(),
  outcome: z.enum(['sent', 'cancelled']).nullable(),
  noticeId: z.number().int().nullable(),
});
export type ScheduledSend = z.infer<typeof ScheduledSend>;

/** What asking to send did: sent now, or queued for the sending window. */
export const SendOutcome = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('sent'), notice: Notice }),
  z.object({ outcome: z.literal('scheduled'), scheduled: ScheduledSend }),
]);
export type SendOutcome = z.infer<typeof SendOutcome>;

/** Outcomes a user with `role` may decide on an appeal in `state` (for enabling UI controls). */
export function allowedAppealOutcomes(state: AppealState, role: Role): AppealOutcome[] {
  return APPEAL_OUTCOMES.filter((o) => nextAppealState(state, o, role) !== null);
}
