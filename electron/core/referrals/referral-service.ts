import { deadlineSeconds, type NoticeTemplate } from '@shared/domain/notice-template';
import {
  CHANNELS,
  Channel,
  REFERRAL_RULES,
  RECORDABLE_STATES,
  RecipientKind,
  RecipientName,
  RefusalReason,
  nextReferralState,
  type Notice,
  type NoticeKind,
  type Recipient,
  type RecordableState,
  type ReferralEvent,
  type ReferralSummary,
  type SchedulableKind,
  type ScheduledSend,
  type SendOutcome,
} from '@shared/domain/referral';
import { Language } from '@shared/domain/resources';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { latestDecision } from '../db/repositories/decisions-repo';
import { signedPacketOf } from '../db/repositories/packets-repo';
import {
  appendReferralEvent,
  getRecipientByName,
  getReferral,
  insertRecipient,
  insertReferral,
  listNotices,
  listReferralEvents,
  listReferrals,
  listRecipients as listRecipientsRows,
  markRecipientVerified,
  type ReferralFilter,
} from '../db/repositories/referrals-repo';
import { getResourceRef } from '../db/repositories/resources-repo';
import { requestReviewOnReappearance } from './review-on-reappearance';
import { dueScheduledSends, scheduledSendsOf } from '../db/repositories/scheduled-sends-repo';
import type { KeyedSettings } from '../settings/keyed-settings';
import type { Workspace } from '../workspace';
import { type NoticeContent } from './notice-render';
import { findNoticeTemplatesDir, loadNoticeTemplates, pinTemplateVersion } from './notice-templates';
import { newRecipientId, newReferralId } from './referral-ids';
import type { NoticeTransport, SmtpConfig } from './smtp-transport';
import { createNoticeDelivery, OPERATOR_ROLES, REMINDABLE } from './notice-delivery';
import { wantsBundle } from './notice-compose';

/**
 * Referrals: from an approved, signed decision to a notice a recipient has received, and then the
 * recipient's answers. Every change goes through REFERRAL_RULES and is a referral event with its
 * custody row; a notice is sent as the exact bytes that are hashed and kept.
 *
 * Sending is a list of stages: load → check (rule, verified recipient, channel, sending hours) →
 * compose (template in the recipient's language) → render PDF → build EML → keep blobs → transmit →
 * record (notice row, event, custody). Nothing is recorded unless the transmission succeeded.
 */

export type Acting = Readonly<{ actor: string; role: Role }>;

export type ReferralServiceDeps = Readonly<{
  ws: Workspace;
  keyed: KeyedSettings;
  /** Lays out the notice PDF (Chromium via the packet's print path). */
  renderPdf: (content: NoticeContent) => Promise<Buffer>;
  /** The SMTP transport for a configuration; injected so tests can use a loopback server. */
  transport: (config: SmtpConfig) => NoticeTransport;
  /**
   * Exports the court bundle ZIP of one resource, for a referral that asked for it to be attached
   * (or referenced by its SHA-256 when larger than `notice.maxAttachmentBytes`).
   */
  exportBundle?: (
    resourceId: string,
    actor: string,
  ) => Promise<Readonly<{ path: string; sha256: string; bytes: number }>>;
  templatesDir?: string;
}>;

export type NewRecipientInput = Readonly<{
  name: string;
  kind: string;
  channel: string;
  address: string;
  language: string;
  verified: boolean;
}>;

export type SendOptions = Readonly<{ deliveredRef?: string | null; kind?: NoticeKind }>;

export type ReferralHistory = Readonly<{
  referral: ReferralSummary;
  events: ReferralEvent[];
  notices: Notice[];
  /** Sends queued for the sending window, settled or pending. */
  scheduled: ScheduledSend[];
}>;

/** One queued send as `sendDue` left it: sent, cancelled (the referral moved on) or still waiting. */
export type DueSendResult = Readonly<{
  scheduleId: number;
  referralId: string;
  kind: SchedulableKind;
  result: 'sent' | 'cancelled' | 'waiting';
  detail: string | null;
  noticeId: number | null;
}>;

export type ReferralService = Readonly<{
  addRecipient: (input: NewRecipientInput, acting: Acting) => Promise<Recipient>;
  verifyRecipient: (name: string, acting: Acting) => Promise<Recipient>;
  listRecipients: () => Promise<Recipient[]>;
  templates: () => Promise<ReadonlyMap<string, NoticeTemplate>>;
  create: (
    resourceId: string,
    opts: Readonly<{
      recipient: string;
      regime: string;
      parentId?: string | null;
      /** Attach the court bundle ZIP to the notice (or its reference when too large). */
      attachBundle?: boolean;
    }>,
    acting: Acting,
  ) => Promise<ReferralSummary>;
  /** Sends now; outside the sending hours it refuses (`notice.outside-hours`). */
  send: (id: string, opts: SendOptions, acting: Acting) => Promise<Notice>;
  /** Sends now, or outside the sending hours queues the send for when the window opens. */
  dispatch: (id: string, opts: SendOptions, acting: Acting) => Promise<SendOutcome>;
  /** A reminder on a referral awaiting an answer (sent like a notice, queued outside the hours). */
  remind: (id: string, acting: Acting) => Promise<SendOutcome>;
  /**
   * Escalation: a child referral (parent_id = id) of the same resource to the next recipient, under
   * the parent's regime unless another is named, its notice sent as an escalation.
   */
  escalate: (
    id: string,
    opts: Readonly<{ recipient: string; regime?: string | null }>,
    acting: Acting,
  ) => Promise<Readonly<{ referral: ReferralSummary; sent: SendOutcome }>>;
  /** Sends the queued notices whose time has come; `acting` is who runs the queue. */
  sendDue: (acting: Acting) => Promise<DueSendResult[]>;
  record: (
    id: string,
    state: string,
    opts: Readonly<{ reason?: string | null; note?: string | null; evidence?: Record<string, unknown> }>,
    acting: Acting,
  ) => Promise<ReferralEvent>;
  list: (filter?: ReferralFilter) => Promise<ReferralSummary[]>;
  history: (id: string) => Promise<ReferralHistory>;
  /**
   * A lift notice for a referral of a lifted resource (after the signed appeal decision): rendered,
   * sent (or delivered with `deliveredRef`), recorded with the move to `lifted`.
   */
  deliverLift: (
    id: string,
    appealId: string,
    acting: Acting,
    deliveredRef?: string | null,
  ) => Promise<Notice>;
}>;

const REFERABLE_RESOURCE_STATES = ['approved', 'blocked', 'block_verified'] as const;

function parseEnum<T extends string>(values: readonly T[], text: string, what: string): T {
  if ((values as readonly string[]).includes(text)) return text as T;
  throw new AppError('input.invalid', `${what} must be one of ${values.join(', ')}; got ${text}`);
}

export function createReferralService(deps: ReferralServiceDeps): ReferralService {
  const { ws } = deps;
  let templatesCache: Promise<ReadonlyMap<string, NoticeTemplate>> | null = null;
  const templates = (): Promise<ReadonlyMap<string, NoticeTemplate>> => {
    templatesCache ??= loadNoticeTemplates(deps.templatesDir ?? findNoticeTemplatesDir());
    return templatesCache;
  };
  const template = async (id: string): Promise<NoticeTemplate> => {
    const all = await templates();
    const t = all.get(id);
    if (t === undefined)
      throw new AppError('input.invalid', `no notice template ${id} (known: ${[...all.keys()].join(', ')})`);
    return t;
  };

  const requireRole = (acting: Acting, roles: readonly Role[], what: string): void => {
    if (!roles.includes(acting.role))
      throw new AppError(
        'auth.forbidden',
        `${what} needs the role ${roles.join(' or ')}; ${acting.actor} is ${acting.role}`,
      );
  };

  const referralOrThrow = async (id: string): Promise<ReferralSummary> => {
    const r = await ws.db.read((c) => getReferral(c, id));
    if (r === null) throw new AppError('evidence.not-found', `no referral ${id}`);
    return r;
  };

  const { deliver, sendNow, runQueued } = createNoticeDelivery(deps, {
    template,
    referralOrThrow,
    requireRole,
  });

  const service: ReferralService = {
    templates,
    async addRecipient(input, acting) {
      requireRole(acting, OPERATOR_ROLES, 'adding a recipient');
      const name = RecipientName.safeParse(input.name);
      if (!name.success)
        throw new AppError('input.invalid', `recipient name: ${name.error.issues[0]?.message}`);
      const kind = parseEnum(RecipientKind.options, input.kind, '--kind');
      const channel = parseEnum(CHANNELS, input.channel, '--channel');
      const language = parseEnum(Language.options, input.language, '--language');
      const address = input.address.trim();
      if (address === '') throw new AppError('input.invalid', '--address is required');
      if (Channel.parse(channel) === 'email' && !/^[^\s@<>]+@[^\s@<>]+$/.test(address))
        throw new AppError('input.invalid', `not an email address: ${address}`);
      const now = ws.clock().toISOString();
      const recipient: Recipient = {
        id: newRecipientId(ws),
        name: name.data,
        kind,
        channel,
        address,
        language,
        verified: input.verified,
        verifiedBy: input.verified ? acting.actor : null,
        verifiedAt: input.verified ? now : null,
        createdAt: now,
      };
      await ws.record(async (tx, audit) => {
        if ((await getRecipientByName(tx, recipient.name)) !== null)
          throw new AppError('input.invalid', `a recipient named ${recipient.name} exists already`);
        await insertRecipient(tx, recipient, acting.actor);
        await audit({
          actor: acting.actor,
          action: 'recipient.added',
          subject: `recipient:${recipient.id}`,
          details: { name: recipient.name, kind, channel, address, language, verified: input.verified },
        });
      });
      return recipient;
    },
    async verifyRecipient(nameText, acting) {
      requireRole(acting, OPERATOR_ROLES, 'verifying a recipient');
      return ws.record(async (tx, audit) => {
        const r = await getRecipientByName(tx, nameText);
        if (r === null) throw new AppError('evidence.not-found', `no recipient named ${nameText}`);
        if (r.verified) return r;
        const at = ws.clock().toISOString();
        await markRecipientVerified(tx, r.id, acting.actor, at);
        await audit({
          actor: acting.actor,
          action: 'recipient.verified',
          subject: `recipient:${r.id}`,
          details: { name: r.name, address: r.address },
        });
        return { ...r, verified: true, verifiedBy: acting.actor, verifiedAt: at };
      });
    },
    listRecipients: () => ws.db.read((c) => listRecipientsRows(c)),
    async create(resourceId, opts, acting) {
      requireRole(acting, OPERATOR_ROLES, 'creating a referral');
      const t = await template(opts.regime);
      const id = newReferralId(ws);
      await ws.record(async (tx, audit) => {
        const resource = await getResourceRef(tx, resourceId);
        if (resource === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
        const decision = await latestDecision(tx, resourceId);
        if (decision === null || decision.fields.decision !== 'approve')
          throw new AppError(
            'review.invalid-transition',
            `resource ${resourceId} has no approval in force: a referral needs an approved, signed decision`,
          );
        if (!(REFERABLE_RESOURCE_STATES as readonly string[]).includes(resource.state))
          throw new AppError(
            'review.invalid-transition',
            `resource ${resourceId} is ${resource.state}: only ${REFERABLE_RESOURCE_STATES.join(', ')} resources are referred`,
          );
        const recipient = await getRecipientByName(tx, opts.recipient);
        if (recipient === null)
          throw new AppError('evidence.not-found', `no recipient named ${opts.recipient}`);
        if (
          opts.parentId !== undefined &&
          opts.parentId !== null &&
          (await getReferral(tx, opts.parentId)) === null
        )
          throw new AppError('evidence.not-found', `no referral ${opts.parentId}`);
        const at = ws.clock().toISOString();
        const templateSha256 = await pinTemplateVersion(tx, t, at);
        const packet = await signedPacketOf(tx, decision.id);
        await insertReferral(tx, {
          id,
          resourceId,
          decisionId: decision.id,
          recipientId: recipient.id,
          regimeId: t.id,
          templateVersion: t.version,
          language: recipient.language,
          parentId: opts.parentId ?? null,
          createdAt: at,
          createdBy: acting.actor,
        });
        await appendReferralEvent(tx, audit, {
          referralId: id,
          at,
          actor: acting.actor,
          fromState: null,
          toState: 'draft',
          evidence: {
            resourceId,
            decisionId: decision.id,
            recipient: recipient.name,
            regime: t.id,
            templateVersion: t.version,
            templateSha256,
            deadlineSeconds: deadlineSeconds(t.deadline),
            captures: decision.captures,
            packetSha256: packet?.sha256 ?? null,
            parentId: opts.parentId ?? null,
            attachBundle: opts.attachBundle === true,
          },
        });
      });
      return referralOrThrow(id);
    },
    send: (id, opts, acting) => sendNow(id, opts.kind ?? 'notice', opts.deliveredRef ?? null, acting, {}),
    dispatch: (id, opts, acting) =>
      deliver(id, opts.kind ?? 'notice', opts.deliveredRef ?? null, acting, {}, 'schedule'),
    remind: (id, acting) => deliver(id, 'reminder', null, acting, {}, 'schedule'),
    async escalate(id, opts, acting) {
      requireRole(acting, OPERATOR_ROLES, 'an escalation');
      const parent = await referralOrThrow(id);
      if (!REMINDABLE.includes(parent.state))
        throw new AppError(
          'review.invalid-transition',
          `referral ${id} is ${parent.state}: only a referral still awaiting an answer is escalated`,
        );
      const child = await service.create(
        parent.resourceId,
        {
          recipient: opts.recipient,
          regime: opts.regime ?? parent.regimeId,
          parentId: parent.id,
          attachBundle: await wantsBundle(ws, parent),
        },
        acting,
      );
      await ws.record((_tx, audit) =>
        audit({
          actor: acting.actor,
          action: 'referral.escalated',
          subject: `referral:${parent.id}`,
          details: { childId: child.id, recipient: child.recipientName, regime: child.regimeId },
        }),
      );
      const sent = await deliver(child.id, 'escalation', null, acting, { parentId: parent.id }, 'schedule');
      return { referral: await referralOrThrow(child.id), sent };
    },
    async sendDue(acting) {
      requireRole(acting, OPERATOR_ROLES, 'sending the queued notices');
      const due = await ws.db.read((c) => dueScheduledSends(c, ws.clock().toISOString()));
      const results: DueSendResult[] = [];
      // One at a time: each is its own SMTP exchange and transaction, and a failure stays queued.
      for (const s of due) results.push(await runQueued(s, acting));
      return results;
    },
    async record(id, stateText, opts, acting) {
      const state = parseEnum(Object.keys(RECORDABLE_STATES) as RecordableState[], stateText, '--state');
      const action = RECORDABLE_STATES[state];
      const rule = REFERRAL_RULES[action];
      const reasonText = opts.reason ?? null;
      if (rule.needsReason && reasonText === null)
        throw new AppError(
          'input.invalid',
          `a ${state} needs --reason, one of ${RefusalReason.options.join(', ')}`,
        );
      if (!rule.needsReason && reasonText !== null)
        throw new AppError('input.invalid', `--reason is for a refusal only`);
      const reason = reasonText === null ? null : parseEnum(RefusalReason.options, reasonText, '--reason');
      const { event, review } = await ws.record(async (tx, audit) => {
        const r = await getReferral(tx, id);
        if (r === null) throw new AppError('evidence.not-found', `no referral ${id}`);
        const to = nextReferralState(r.state, action, acting.role);
        if (to === null)
          throw new AppError(
            'review.invalid-transition',
            `referral ${id} is ${r.state}: ${state} needs it to be ${rule.from.join(' or ')} and the role ${rule.roles.join(' or ')}`,
          );
        const at = ws.clock().toISOString();
        // A re-appearance sends the resource back to review; the event's evidence links the two.
        const requested =
          to === 'reappeared'
            ? await requestReviewOnReappearance(tx, audit, {
                resourceId: r.resourceId,
                referralId: id,
                actor: acting.actor,
                at,
              })
            : null;
        const appended = await appendReferralEvent(tx, audit, {
          referralId: id,
          at,
          actor: acting.actor,
          fromState: r.state,
          toState: to,
          reason,
          note: opts.note ?? null,
          evidence:
            requested === null ? (opts.evidence ?? {}) : { ...opts.evidence, reviewRequested: requested },
        });
        return { event: appended, review: requested };
      });
      if (review !== null && review.to !== null)
        ws.events.emit('resource.changed', { resourceId: review.resourceId, state: review.to });
      return event;
    },
    list: (filter) => ws.db.read((c) => listReferrals(c, filter)),
    async history(id) {
      const referral = await referralOrThrow(id);
      const [events, notices] = await ws.db.read(
        async (c) => [await listReferralEvents(c, id), await listNotices(c, id)] as const,
      );
      const scheduled = await ws.db.read((c) => scheduledSendsOf(c, id));
      return { referral, events, notices, scheduled: scheduled.map(({ createdByRole: _role, ...s }) => s) };
    },
    deliverLift: (id, appealId, acting, deliveredRef) =>
      sendNow(id, 'lift', deliveredRef ?? null, acting, { appealId }),
  };
  return service;
}
