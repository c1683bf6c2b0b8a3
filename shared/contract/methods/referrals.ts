import { z } from 'zod';
import { ResourceId } from '@shared/domain/ids';
import {
  Appeal,
  AppealDecisionRecord,
  AppealId,
  Channel,
  Notice,
  RecipientKind,
  Recipient,
  RecordableState,
  ReferralEvent,
  ReferralId,
  ReferralSummary,
  RefusalReason,
  ScheduledSend,
  SendOutcome,
} from '@shared/domain/referral';
import { Language } from '@shared/domain/resources';
import { defineMethods } from '../define';

/**
 * After the decision: recipients, referrals, notices and appeals (the CLI's `recipient`, `referral`
 * and `appeal` commands). Every rule is the backend's; the UI shows what `allowedReferralActions`
 * of shared/domain/referral says and the backend refuses anything else.
 */
export const NoticeTemplateSummary = z.object({
  id: z.string(),
  version: z.number().int(),
  title: z.string(),
  deadline: z.string(),
  sendOutsideHours: z.boolean(),
});
export type NoticeTemplateSummary = z.infer<typeof NoticeTemplateSummary>;

export const ReferralHistory = z.object({
  referral: ReferralSummary,
  events: z.array(ReferralEvent),
  notices: z.array(Notice),
  scheduled: z.array(ScheduledSend),
});
export type ReferralHistory = z.infer<typeof ReferralHistory>;

const OPERATORS = ['investigator', 'admin'] as const;
const Note = z.string().trim().max(2000);

export const referralsMethods = defineMethods({
  'recipients.list': { input: z.object({}).strict(), output: z.array(Recipient), access: 'signed-in' },
  'recipients.add': {
    input: z
      .object({
        name: z.string().trim().min(1).max(200),
        kind: RecipientKind,
        channel: Channel,
        address: z.string().trim().min(1).max(2000),
        language: Language,
        verified: z.boolean().default(false),
      })
      .strict(),
    output: Recipient,
    access: OPERATORS,
  },
  'recipients.verify': {
    input: z.object({ name: z.string().min(1) }).strict(),
    output: Recipient,
    access: OPERATORS,
  },
  'referrals.templates': {
    input: z.object({}).strict(),
    output: z.array(NoticeTemplateSummary),
    access: 'signed-in',
  },
  'referrals.list': {
    input: z.object({ resourceId: ResourceId.optional() }).strict(),
    output: z.array(ReferralSummary),
    access: 'signed-in',
  },
  'referrals.history': {
    input: z.object({ referralId: ReferralId }).strict(),
    output: ReferralHistory,
    access: 'signed-in',
  },
  'referrals.create': {
    input: z
      .object({
        resourceId: ResourceId,
        recipient: z.string().min(1),
        regime: z.string().min(1),
        attachBundle: z.boolean().default(false),
      })
      .strict(),
    output: ReferralSummary,
    access: OPERATORS,
  },
  /** Sends now, or outside the sending hours queues the send for when the window opens. */
  'referrals.dispatch': {
    input: z
      .object({
        referralId: ReferralId,
        deliveredRef: z.string().trim().max(500).nullable().default(null),
      })
      .strict(),
    output: SendOutcome,
    access: OPERATORS,
  },
  /** Accepts a reminder proposal: the reminder is sent like a notice (or queued). */
  'referrals.remind': {
    input: z.object({ referralId: ReferralId }).strict(),
    output: SendOutcome,
    access: OPERATORS,
  },
  /** Accepts an escalation proposal: a child referral to the next recipient, its notice sent. */
  'referrals.escalate': {
    input: z
      .object({
        referralId: ReferralId,
        recipient: z.string().min(1),
        regime: z.string().min(1).nullable().default(null),
      })
      .strict(),
    output: z.object({ referral: ReferralSummary, sent: SendOutcome }),
    access: OPERATORS,
  },
  /** Renders, keeps and sends the notice (or records its delivery by reference). */
  'referrals.send': {
    input: z
      .object({
        referralId: ReferralId,
        deliveredRef: z.string().trim().max(500).nullable().default(null),
        kind: z.enum(['notice', 'reminder', 'escalation', 'lift']).default('notice'),
      })
      .strict(),
    output: Notice,
    access: 'signed-in',
  },
  'referrals.record': {
    input: z
      .object({
        referralId: ReferralId,
        state: RecordableState,
        reason: RefusalReason.nullable().default(null),
        note: Note.nullable().default(null),
      })
      .strict(),
    output: ReferralEvent,
    access: OPERATORS,
  },
  'appeals.list': {
    input: z.object({ resourceId: ResourceId }).strict(),
    output: z.array(Appeal),
    access: 'signed-in',
  },
  'appeals.add': {
    input: z
      .object({
        resourceId: ResourceId,
        text: z.string().trim().min(1).max(10000),
        byName: z.string().trim().max(200).nullable().default(null),
      })
      .strict(),
    output: Appeal,
    access: 'signed-in',
  },
  /** A reviewer's signed decision on an appeal; the password unlocks their signing key. */
  'appeals.decide': {
    input: z
      .object({
        appealId: AppealId,
        outcome: z.enum(['uphold', 'lift']),
        explanation: z.string().trim().min(1).max(2000),
        password: z.string().min(1),
      })
      .strict(),
    output: z.object({
      appeal: Appeal,
      record: AppealDecisionRecord,
      liftNotices: z.array(Notice),
      awaitingLiftDelivery: z.array(z.string()),
    }),
    access: ['reviewer'],
  },
});
