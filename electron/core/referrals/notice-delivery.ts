import { type NoticeTemplate } from '@shared/domain/notice-template';
import {
  REFERRAL_RULES,
  nextReferralState,
  type Notice,
  type NoticeKind,
  type Recipient,
  type ReferralAction,
  type ReferralState,
  type ReferralSummary,
  type SchedulableKind,
  type ScheduledSend,
  type SendOutcome,
} from '@shared/domain/referral';
import { insideSendingWindow, type SendingWindow } from '@shared/domain/setting-keys';
import { nextSendingWindowOpening } from '@shared/domain/sending-window';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { getDecision } from '../db/repositories/decisions-repo';
import { getRecipient, listNotices } from '../db/repositories/referrals-repo';
import { getResourceRef } from '../db/repositories/resources-repo';
import {
  insertScheduledSend,
  scheduledSendsOf,
  settleScheduledSend,
  type PendingSchedule,
} from '../db/repositories/scheduled-sends-repo';
import { pinTemplateVersion } from './notice-templates';
import { createNoticeComposer } from './notice-compose';
import type { Acting, DueSendResult, ReferralServiceDeps } from './referral-service';

/**
 * Whether, when and how a notice goes: the referral's state and the sender's role allow it, the
 * recipient is reachable, the sending window is open (or the send is queued for its opening); then
 * compose, transmit and record (notice-compose.ts), settling any queued send it carries out.
 */

export const OPERATOR_ROLES: readonly Role[] = ['investigator', 'admin'];
/** States in which a referral still awaits an answer: a reminder or an escalation may follow. */
export const REMINDABLE: readonly ReferralState[] = [
  'sent',
  'acknowledged',
  'partially_removed',
  'reappeared',
];

/** What delivery needs of the referral service: its templates, its referrals, its role rule. */
export type DeliveryLookups = Readonly<{
  template: (id: string) => Promise<NoticeTemplate>;
  referralOrThrow: (id: string) => Promise<ReferralSummary>;
  requireRole: (acting: Acting, roles: readonly Role[], what: string) => void;
}>;

export type WhenClosed = 'refuse' | 'schedule';

export type NoticeDelivery = Readonly<{
  deliver: (
    id: string,
    kind: NoticeKind,
    deliveredRefIn: string | null,
    acting: Acting,
    extraEvidence: Record<string, unknown>,
    whenClosed?: WhenClosed,
  ) => Promise<SendOutcome>;
  sendNow: (
    id: string,
    kind: NoticeKind,
    deliveredRef: string | null,
    acting: Acting,
    extraEvidence: Record<string, unknown>,
  ) => Promise<Notice>;
  runQueued: (s: PendingSchedule, runner: Acting) => Promise<DueSendResult>;
}>;

export function createNoticeDelivery(deps: ReferralServiceDeps, lookups: DeliveryLookups): NoticeDelivery {
  const { ws, keyed } = deps;
  const { template, referralOrThrow, requireRole } = lookups;
  const { prepare, transmit, recordDelivery } = createNoticeComposer(deps);

  /** The sending window when it applies to this send and `at` is outside it; null when it may go now. */
  async function closedWindow(
    t: NoticeTemplate,
    deliveredRef: string | null,
    kind: NoticeKind,
    at: Date,
  ): Promise<SendingWindow | null> {
    // A lift is good news for the recipient and must never wait; otherwise only an order may go out at night.
    if (deliveredRef !== null || kind === 'lift' || t.sendOutsideHours) return null;
    const all = await keyed.all();
    const window = {
      hours: String(all['sending.hours']),
      blockedDays: all['sending.blockedDays'] as string[],
      utcOffsetMinutes: Number(all['sending.utcOffsetMinutes']),
    };
    return insideSendingWindow(at, window) ? null : window;
  }

  const describeWindow = (w: SendingWindow): string =>
    `sending hours ${w.hours}${w.blockedDays.length > 0 ? `, not on ${w.blockedDays.join(',')}` : ''}, UTC${w.utcOffsetMinutes >= 0 ? '+' : ''}${w.utcOffsetMinutes} min`;

  /** Stage: is the recipient reachable by this channel? */
  function checkDeliverable(recipient: Recipient, deliveredRef: string | null): void {
    if (!recipient.verified)
      throw new AppError(
        'input.invalid',
        `recipient ${recipient.name} is not verified: confirm the contact first (vigil recipient verify)`,
      );
    if (recipient.channel !== 'email' && deliveredRef === null)
      throw new AppError(
        'input.invalid',
        `recipient ${recipient.name} is reached by ${recipient.channel}: give the reference they gave (--delivered-ref REF)`,
      );
  }

  /** The whole send: which action a notice kind is (a reminder changes no state). */
  const ACTION_OF_KIND: Readonly<Record<NoticeKind, ReferralAction | null>> = {
    notice: 'send',
    reminder: null,
    // An escalation is the first notice of a new (child) referral to the next recipient.
    escalation: 'send',
    lift: 'lift',
  };

  /** Stage schedule: queue the send for when the window opens (one pending send per kind). */
  async function schedule(
    r: ReferralSummary,
    kind: SchedulableKind,
    window: SendingWindow,
    acting: Acting,
  ): Promise<ScheduledSend> {
    const now = ws.clock();
    const due = nextSendingWindowOpening(now, window);
    if (due === null)
      throw new AppError(
        'notice.outside-hours',
        `every weekday is blocked (${describeWindow(window)}): nothing can be scheduled; change sending.blockedDays`,
      );
    return ws.record(async (tx, audit) => {
      const pending = (await scheduledSendsOf(tx, r.id)).find((s) => s.outcome === null && s.kind === kind);
      if (pending !== undefined) return pending;
      return insertScheduledSend(tx, audit, {
        referralId: r.id,
        kind,
        dueAt: due.toISOString(),
        at: now.toISOString(),
        actor: acting.actor,
        role: acting.role,
        window: { ...window },
      });
    });
  }

  /** A queued send being carried out, and who runs the queue (settled with the notice). */
  type FromQueue = Readonly<{ schedule: PendingSchedule; runner: string }>;

  async function deliver(
    id: string,
    kind: NoticeKind,
    deliveredRefIn: string | null,
    acting: Acting,
    extraEvidence: Record<string, unknown>,
    whenClosed: WhenClosed = 'refuse',
    fromQueue: FromQueue | null = null,
  ): Promise<SendOutcome> {
    // Stage load.
    const r = await referralOrThrow(id);
    const action = ACTION_OF_KIND[kind];
    const to = action === null ? null : nextReferralState(r.state, action, acting.role);
    if (action !== null && to === null)
      throw new AppError(
        'review.invalid-transition',
        `referral ${id} is ${r.state}: a ${kind} needs it to be ${REFERRAL_RULES[action].from.join(' or ')} and the role ${REFERRAL_RULES[action].roles.join(' or ')}`,
      );
    if (action === null) {
      requireRole(acting, OPERATOR_ROLES, `a ${kind}`);
      if (!REMINDABLE.includes(r.state))
        throw new AppError('review.invalid-transition', `referral ${id} is ${r.state}: no ${kind} is due`);
    }
    const deliveredRef =
      deliveredRefIn === null || deliveredRefIn.trim() === '' ? null : deliveredRefIn.trim();
    if (kind === 'lift') {
      const resource = await ws.db.read((c) => getResourceRef(c, r.resourceId));
      if (resource?.state !== 'lifted')
        throw new AppError(
          'review.invalid-transition',
          `resource ${r.resourceId} is ${resource?.state ?? 'missing'}: a lift notice needs a signed appeal decision that lifted it`,
        );
    }
    const [recipient, decision] = await ws.db.read(
      async (c) => [await getRecipient(c, r.recipientId), await getDecision(c, r.decisionId)] as const,
    );
    if (recipient === null || decision === null)
      throw new AppError('internal.unexpected', `referral ${id} names a missing recipient or decision`);
    const t = await template(r.regimeId);
    if (t.version !== r.templateVersion)
      throw new AppError(
        'input.invalid',
        `referral ${id} was made under ${t.id} v${r.templateVersion}, and the file is now v${t.version}: create a new referral under the new version`,
      );
    // Stage check.
    checkDeliverable(recipient, deliveredRef);
    const closed = await closedWindow(t, deliveredRef, kind, ws.clock());
    if (closed !== null) {
      if (whenClosed === 'refuse' || kind === 'lift')
        throw new AppError(
          'notice.outside-hours',
          `notices under ${t.id} are not sent now (${describeWindow(closed)}); try again then`,
        );
      return { outcome: 'scheduled', scheduled: await schedule(r, kind, closed, acting) };
    }
    // Stages bundle, compose, render, build.
    const prepared = await prepare(r, decision, recipient, t, kind, deliveredRef, acting.actor);
    // Stage transmit.
    const smtpResponse = await transmit(recipient, prepared);
    // Stage record (with the queued send it carries out, and any now superseded by it).
    const noticeId = await ws.record(async (tx, audit) => {
      const at = ws.clock().toISOString();
      await pinTemplateVersion(tx, t, at);
      const noticeRow = await recordDelivery(
        tx,
        audit,
        r,
        recipient,
        kind,
        prepared,
        deliveredRef,
        smtpResponse,
        to === null ? null : { from: r.state, to },
        acting.actor,
        fromQueue === null ? extraEvidence : { ...extraEvidence, scheduleId: fromQueue.schedule.id },
      );
      for (const s of await scheduledSendsOf(tx, r.id))
        if (s.outcome === null && s.kind === kind)
          await settleScheduledSend(tx, audit, {
            schedule: s,
            at,
            actor: fromQueue?.runner ?? acting.actor,
            outcome: s.id === fromQueue?.schedule.id ? 'sent' : 'cancelled',
            noticeId: noticeRow,
            detail: s.id === fromQueue?.schedule.id ? null : `sent before its time as notice ${noticeRow}`,
          });
      return noticeRow;
    });
    const notices = await ws.db.read((c) => listNotices(c, id));
    const notice = notices.find((n) => n.id === noticeId);
    if (notice === undefined)
      throw new AppError('internal.unexpected', 'the notice just recorded is missing');
    return { outcome: 'sent', notice };
  }

  /** A send that must happen now (refused outside the hours), as the notice it produced. */
  async function sendNow(
    id: string,
    kind: NoticeKind,
    deliveredRef: string | null,
    acting: Acting,
    extraEvidence: Record<string, unknown>,
  ): Promise<Notice> {
    const out = await deliver(id, kind, deliveredRef, acting, extraEvidence, 'refuse');
    if (out.outcome !== 'sent')
      throw new AppError('internal.unexpected', 'a send was queued against the rules');
    return out.notice;
  }

  /** Carries out one queued send; a referral that moved on cancels it, anything else leaves it waiting. */
  async function runQueued(s: PendingSchedule, runner: Acting): Promise<DueSendResult> {
    const base = { scheduleId: s.id, referralId: s.referralId, kind: s.kind };
    try {
      const out = await deliver(
        s.referralId,
        s.kind,
        null,
        { actor: s.createdBy, role: s.createdByRole },
        {},
        'refuse',
        { schedule: s, runner: runner.actor },
      );
      return {
        ...base,
        result: 'sent',
        detail: null,
        noticeId: out.outcome === 'sent' ? out.notice.id : null,
      };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'review.invalid-transition') {
        await ws.record((tx, audit) =>
          settleScheduledSend(tx, audit, {
            schedule: s,
            at: ws.clock().toISOString(),
            actor: runner.actor,
            outcome: 'cancelled',
            noticeId: null,
            detail: error.message,
          }),
        );
        return { ...base, result: 'cancelled', detail: error.message, noticeId: null };
      }
      return { ...base, result: 'waiting', detail: error.message, noticeId: null };
    }
  }

  return { deliver, sendNow, runQueued };
}
