import type { DecisionRecord } from '@shared/domain/decision';
import {
  deadlineSeconds,
  fillTemplate,
  type NoticeTemplate,
  type TemplateField,
} from '@shared/domain/notice-template';
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
  type ReferralAction,
  type ReferralEvent,
  type ReferralState,
  type ReferralSummary,
} from '@shared/domain/referral';
import { Language } from '@shared/domain/resources';
import { insideSendingWindow } from '@shared/domain/setting-keys';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { registerBlob } from '../db/repositories/blobs-repo';
import { getDecision, latestDecision } from '../db/repositories/decisions-repo';
import { signedPacketOf } from '../db/repositories/packets-repo';
import {
  appendReferralEvent,
  getRecipient,
  getRecipientByName,
  getReferral,
  insertNotice,
  insertRecipient,
  insertReferral,
  listNotices,
  listReferralEvents,
  listReferrals,
  listRecipients as listRecipientsRows,
  markRecipientVerified,
  type AuditRecorder,
  type ReferralFilter,
} from '../db/repositories/referrals-repo';
import { getResourceRef } from '../db/repositories/resources-repo';
import type { WriteConn } from '../db/database';
import type { KeyedSettings } from '../settings/keyed-settings';
import type { Workspace } from '../workspace';
import { buildNoticeEml, type NoticeAttachment, type NoticeContent } from './notice-render';
import { findNoticeTemplatesDir, loadNoticeTemplates, pinTemplateVersion } from './notice-templates';
import { newRecipientId, newReferralId } from './referral-ids';
import type { NoticeTransport, SmtpConfig } from './smtp-transport';

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
}>;

export type ReferralService = Readonly<{
  addRecipient: (input: NewRecipientInput, acting: Acting) => Promise<Recipient>;
  verifyRecipient: (name: string, acting: Acting) => Promise<Recipient>;
  listRecipients: () => Promise<Recipient[]>;
  templates: () => Promise<ReadonlyMap<string, NoticeTemplate>>;
  create: (
    resourceId: string,
    opts: Readonly<{ recipient: string; regime: string; parentId?: string | null }>,
    acting: Acting,
  ) => Promise<ReferralSummary>;
  send: (id: string, opts: SendOptions, acting: Acting) => Promise<Notice>;
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

const OPERATOR_ROLES: readonly Role[] = ['investigator', 'admin'];
const REFERABLE_RESOURCE_STATES = ['approved', 'blocked', 'block_verified'] as const;

function parseEnum<T extends string>(values: readonly T[], text: string, what: string): T {
  if ((values as readonly string[]).includes(text)) return text as T;
  throw new AppError('input.invalid', `${what} must be one of ${values.join(', ')}; got ${text}`);
}

async function readBlob(ws: Workspace, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of ws.blobs.open(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const domainOf = (address: string): string => {
  const at = address.lastIndexOf('@');
  const domain = at < 0 ? '' : address.slice(at + 1).replace(/[>\s].*$/, '');
  return /^[a-z0-9.-]+$/i.test(domain) ? domain : 'vigil.invalid';
};

/** Values that are left-to-right by nature (addresses, ids, hashes, times). */
const LTR_FIELDS: ReadonlySet<TemplateField> = new Set([
  'url',
  'captures',
  'measure',
  'territorialScope',
  'decisionId',
  'signedAt',
  'referralId',
]);

/**
 * In a right-to-left notice each value is a bidi isolate (LRI…PDI for technical values, FSI…PDI for
 * free text, line by line), so a URL, a time or an English explanation keeps its own order
 * instead of being reordered by the Arabic around it — in the PDF and in mail clients alike.
 */
function isolateForRtl(
  language: Language,
  values: Record<TemplateField, string>,
): Record<TemplateField, string> {
  if (language !== 'ar') return values;
  const out = { ...values };
  for (const key of Object.keys(values) as TemplateField[]) {
    const open = LTR_FIELDS.has(key) ? '\u2066' : '\u2068';
    out[key] = values[key]
      .split('\n')
      .map((line) => `${open}${line}\u2069`)
      .join('\n');
  }
  return out;
}

export function createReferralService(deps: ReferralServiceDeps): ReferralService {
  const { ws, keyed } = deps;
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

  /** The template fields of a referral, from its signed decision and recipient. */
  function fieldValues(
    r: ReferralSummary,
    decision: DecisionRecord,
    recipient: Recipient,
  ): Record<TemplateField, string> {
    return {
      url: r.url,
      captures: decision.captures.map((c) => `  ${c.id}  ${c.manifestSha256}`).join('\n'),
      legalGround: decision.legalBases
        .map((b) => `${b.jurisdiction} ${b.instrument} ${b.article} — ${b.title} (${b.id} v${b.version})`)
        .join('; '),
      explanation: decision.fields.explanation,
      measure: `${decision.fields.measure ?? '-'} ${decision.fields.targets.join(' ')}`.trim(),
      territorialScope: decision.fields.territorialScope.join(', '),
      decisionId: decision.id,
      signedAt: decision.signedAt,
      reviewer: `${decision.reviewer.displayName} (${decision.reviewer.name})`,
      recipient: recipient.name,
      referralId: r.id,
      unit: ws.workstationName,
    };
  }

  /** Stage: is the recipient reachable now, by this channel, at this hour? */
  async function checkDeliverable(
    recipient: Recipient,
    t: NoticeTemplate,
    deliveredRef: string | null,
    kind: NoticeKind,
  ): Promise<void> {
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
    // A lift is good news for the recipient and must never wait; otherwise only an order may go out at night.
    if (deliveredRef === null && kind !== 'lift' && !t.sendOutsideHours) {
      const all = await keyed.all();
      const window = {
        hours: String(all['sending.hours']),
        blockedDays: all['sending.blockedDays'] as string[],
        utcOffsetMinutes: Number(all['sending.utcOffsetMinutes']),
      };
      if (!insideSendingWindow(ws.clock(), window))
        throw new AppError(
          'notice.outside-hours',
          `notices under ${t.id} are not sent now (sending hours ${window.hours}${window.blockedDays.length > 0 ? `, not on ${window.blockedDays.join(',')}` : ''}, UTC${window.utcOffsetMinutes >= 0 ? '+' : ''}${window.utcOffsetMinutes} min); try again then`,
        );
    }
  }

  type Prepared = Readonly<{
    pdf: Buffer;
    eml: Buffer | null;
    messageId: string | null;
    from: string;
    packetSha256: string | null;
  }>;

  /** Stages compose → render → build: the notice's bytes, nothing stored or sent yet. */
  async function prepare(
    r: ReferralSummary,
    decision: DecisionRecord,
    recipient: Recipient,
    t: NoticeTemplate,
    kind: NoticeKind,
    deliveredRef: string | null,
  ): Promise<Prepared> {
    const texts = t.languages[r.language];
    const text = kind === 'reminder' ? texts.reminder : kind === 'lift' ? texts.lift : texts.notice;
    const values = isolateForRtl(r.language, fieldValues(r, decision, recipient));
    const content: NoticeContent = {
      kind,
      language: r.language,
      subject: fillTemplate(text.subject, values),
      body: fillTemplate(text.body, values),
      reference: `${t.id} v${t.version} · ${r.id} · ${kind}`,
    };
    const pdf = await deps.renderPdf(content);
    const from = String(await keyed.get('smtp.from'));
    if (recipient.channel !== 'email' || deliveredRef !== null)
      return { pdf, eml: null, messageId: null, from, packetSha256: null };
    if (from === '')
      throw new AppError('input.invalid', 'no sender address: vigil settings set smtp.from ADDRESS');
    const packet = kind === 'lift' ? null : await ws.db.read((c) => signedPacketOf(c, r.decisionId));
    const attachments: NoticeAttachment[] = [
      { filename: `notice-${r.id}-${kind}.pdf`, contentType: 'application/pdf', content: pdf },
    ];
    if (packet !== null)
      attachments.push({
        filename: `packet-${r.decisionId}.pdf`,
        contentType: 'application/pdf',
        content: await readBlob(ws, packet.sha256),
      });
    const now = ws.clock();
    const messageId = `<${r.id}.${kind}.${now.getTime()}@${domainOf(from)}>`;
    const eml = await buildNoticeEml({
      from,
      to: recipient.address,
      messageId,
      date: now,
      content,
      attachments,
    });
    return { pdf, eml, messageId, from, packetSha256: packet?.sha256 ?? null };
  }

  /** Stage transmit: SMTP for email (unless delivered by hand), nothing for a portal/register reference. */
  async function transmit(recipient: Recipient, p: Prepared): Promise<string | null> {
    if (p.eml === null || p.messageId === null) return null;
    const all = await keyed.all();
    const send = deps.transport({
      host: String(all['smtp.host']),
      port: Number(all['smtp.port']),
      secure: all['smtp.secure'] === true,
      user: String(all['smtp.user']),
      password: String(all['smtp.password']),
    });
    const sent = await send({ from: p.from, to: recipient.address, raw: p.eml, messageId: p.messageId });
    return sent.response;
  }

  /** Stage record: blobs, the notice row, the state change (if any) and the custody rows, in one transaction. */
  async function recordDelivery(
    tx: WriteConn,
    audit: AuditRecorder,
    r: ReferralSummary,
    recipient: Recipient,
    kind: NoticeKind,
    p: Prepared,
    deliveredRef: string | null,
    smtpResponse: string | null,
    transition: Readonly<{ from: ReferralState; to: ReferralState }> | null,
    actor: string,
    extraEvidence: Record<string, unknown>,
  ): Promise<number> {
    const at = ws.clock().toISOString();
    const pdfBlob = await ws.blobs.put(p.pdf);
    await registerBlob(tx, pdfBlob, at);
    let emlSha256: string | null = null;
    if (p.eml !== null) {
      const emlBlob = await ws.blobs.put(p.eml);
      await registerBlob(tx, emlBlob, at);
      emlSha256 = emlBlob.sha256;
    }
    const noticeId = await insertNotice(tx, {
      referralId: r.id,
      kind,
      language: r.language,
      pdfSha256: pdfBlob.sha256,
      emlSha256,
      sentAt: at,
      channel: recipient.channel,
      address: recipient.address,
      messageId: p.messageId,
      deliveredRef,
      actor,
    });
    const evidence = {
      noticeId,
      kind,
      pdfSha256: pdfBlob.sha256,
      emlSha256,
      packetSha256: p.packetSha256,
      ...extraEvidence,
    };
    await audit({
      actor,
      action: 'notice.sent',
      subject: `referral:${r.id}`,
      details: {
        ...evidence,
        channel: recipient.channel,
        address: recipient.address,
        messageId: p.messageId,
        deliveredRef,
        smtpResponse,
      },
    });
    if (transition !== null)
      await appendReferralEvent(tx, audit, {
        referralId: r.id,
        at,
        actor,
        fromState: transition.from,
        toState: transition.to,
        evidence,
        deliveredRef,
      });
    return noticeId;
  }

  /** The whole send: which action a notice kind is (a reminder or escalation changes no state). */
  const ACTION_OF_KIND: Readonly<Record<NoticeKind, ReferralAction | null>> = {
    notice: 'send',
    reminder: null,
    escalation: null,
    lift: 'lift',
  };
  const REMINDABLE: readonly ReferralState[] = ['sent', 'acknowledged', 'partially_removed', 'reappeared'];

  async function deliver(
    id: string,
    kind: NoticeKind,
    deliveredRefIn: string | null,
    acting: Acting,
    extraEvidence: Record<string, unknown>,
  ): Promise<Notice> {
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
    await checkDeliverable(recipient, t, deliveredRef, kind);
    // Stages compose, render, build.
    const prepared = await prepare(r, decision, recipient, t, kind, deliveredRef);
    // Stage transmit.
    const smtpResponse = await transmit(recipient, prepared);
    // Stage record.
    const noticeId = await ws.record(async (tx, audit) => {
      await pinTemplateVersion(tx, t, ws.clock().toISOString());
      return recordDelivery(
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
        extraEvidence,
      );
    });
    const notices = await ws.db.read((c) => listNotices(c, id));
    const notice = notices.find((n) => n.id === noticeId);
    if (notice === undefined)
      throw new AppError('internal.unexpected', 'the notice just recorded is missing');
    return notice;
  }

  return {
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
          },
        });
      });
      return referralOrThrow(id);
    },
    send: (id, opts, acting) => deliver(id, opts.kind ?? 'notice', opts.deliveredRef ?? null, acting, {}),
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
      return ws.record(async (tx, audit) => {
        const r = await getReferral(tx, id);
        if (r === null) throw new AppError('evidence.not-found', `no referral ${id}`);
        const to = nextReferralState(r.state, action, acting.role);
        if (to === null)
          throw new AppError(
            'review.invalid-transition',
            `referral ${id} is ${r.state}: ${state} needs it to be ${rule.from.join(' or ')} and the role ${rule.roles.join(' or ')}`,
          );
        return appendReferralEvent(tx, audit, {
          referralId: id,
          at: ws.clock().toISOString(),
          actor: acting.actor,
          fromState: r.state,
          toState: to,
          reason,
          note: opts.note ?? null,
          evidence: opts.evidence ?? {},
        });
      });
    },
    list: (filter) => ws.db.read((c) => listReferrals(c, filter)),
    async history(id) {
      const referral = await referralOrThrow(id);
      const [events, notices] = await ws.db.read(
        async (c) => [await listReferralEvents(c, id), await listNotices(c, id)] as const,
      );
      return { referral, events, notices };
    },
    deliverLift: (id, appealId, acting, deliveredRef) =>
      deliver(id, 'lift', deliveredRef ?? null, acting, { appealId }),
  };
}
