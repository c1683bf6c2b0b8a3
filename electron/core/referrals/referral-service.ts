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
  type SchedulableKind,
  type ScheduledSend,
  type SendOutcome,
} from '@shared/domain/referral';
import { Language } from '@shared/domain/resources';
import { insideSendingWindow, type SendingWindow } from '@shared/domain/setting-keys';
import { nextSendingWindowOpening } from '@shared/domain/sending-window';
import type { Role } from '@shared/domain/users';
import { AppError, assertNever } from '@shared/errors/app-error';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
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
import { requestReviewOnReappearance } from './review-on-reappearance';
import {
  dueScheduledSends,
  insertScheduledSend,
  scheduledSendsOf,
  settleScheduledSend,
  type PendingSchedule,
} from '../db/repositories/scheduled-sends-repo';
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

/** The line a notice carries instead of a court bundle too large to attach, in its language. */
function bundleReferenceLine(
  language: Language,
  b: Readonly<{ file: string; sha256: string; bytes: number }>,
): string {
  switch (language) {
    case 'en':
      return `The court bundle is available on request: ${b.file}, ${b.bytes} bytes, SHA-256 ${b.sha256}.`;
    case 'ru':
      return `Судебный пакет доказательств предоставляется по запросу: ${b.file}, ${b.bytes} байт, SHA-256 ${b.sha256}.`;
    case 'ar':
      return `حزمة الأدلة للمحكمة متاحة عند الطلب: \u2066${b.file}\u2069، \u2066${b.bytes}\u2069 بايت، SHA-256 \u2066${b.sha256}\u2069.`;
    default:
      return assertNever(language, 'language');
  }
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

  /** The court bundle as the notice carries it: attached, or referenced by its hash when too large. */
  type BundleEvidence = Readonly<{ file: string; sha256: string; bytes: number; attached: boolean }>;

  type Prepared = Readonly<{
    pdf: Buffer;
    eml: Buffer | null;
    messageId: string | null;
    from: string;
    packetSha256: string | null;
    bundle: BundleEvidence | null;
  }>;

  /** Whether the referral asked, when it was created, for the court bundle to go with its notice. */
  async function wantsBundle(r: ReferralSummary): Promise<boolean> {
    const events = await ws.db.read((c) => listReferralEvents(c, r.id));
    return events[0]?.evidence['attachBundle'] === true;
  }

  /**
   * Stage bundle: the court bundle ZIP of the resource, exported now so it carries the custody log
   * up to this notice. Attached when the notice goes by email and the ZIP is within
   * `notice.maxAttachmentBytes`; otherwise the notice names it by file, size and SHA-256.
   */
  async function bundleFor(
    r: ReferralSummary,
    kind: NoticeKind,
    byEmail: boolean,
    actor: string,
  ): Promise<Readonly<{ evidence: BundleEvidence; content: Buffer | null }> | null> {
    if ((kind !== 'notice' && kind !== 'escalation') || !(await wantsBundle(r))) return null;
    if (deps.exportBundle === undefined)
      throw new AppError(
        'internal.unexpected',
        'this referral asks for the court bundle, and no exporter is set up',
      );
    const exported = await deps.exportBundle(r.resourceId, actor);
    const maxBytes = Number(await keyed.get('notice.maxAttachmentBytes'));
    const attached = byEmail && exported.bytes <= maxBytes;
    return {
      evidence: { file: basename(exported.path), sha256: exported.sha256, bytes: exported.bytes, attached },
      content: attached ? await readFile(exported.path) : null,
    };
  }

  /** Stages bundle → compose → render → build: the notice's bytes, nothing stored or sent yet. */
  async function prepare(
    r: ReferralSummary,
    decision: DecisionRecord,
    recipient: Recipient,
    t: NoticeTemplate,
    kind: NoticeKind,
    deliveredRef: string | null,
    actor: string,
  ): Promise<Prepared> {
    const byEmail = recipient.channel === 'email' && deliveredRef === null;
    const bundle = await bundleFor(r, kind, byEmail, actor);
    const texts = t.languages[r.language];
    const text = kind === 'reminder' ? texts.reminder : kind === 'lift' ? texts.lift : texts.notice;
    const values = isolateForRtl(r.language, fieldValues(r, decision, recipient));
    const body = fillTemplate(text.body, values);
    const content: NoticeContent = {
      kind,
      language: r.language,
      subject: fillTemplate(text.subject, values),
      body:
        bundle === null || bundle.evidence.attached
          ? body
          : `${body}\n\n${bundleReferenceLine(r.language, bundle.evidence)}`,
      reference: `${t.id} v${t.version} · ${r.id} · ${kind}`,
    };
    const pdf = await deps.renderPdf(content);
    const from = String(await keyed.get('smtp.from'));
    const bundleEvidence = bundle?.evidence ?? null;
    if (!byEmail)
      return { pdf, eml: null, messageId: null, from, packetSha256: null, bundle: bundleEvidence };
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
    if (bundle?.content !== undefined && bundle.content !== null)
      attachments.push({
        filename: bundle.evidence.file,
        contentType: 'application/zip',
        content: bundle.content,
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
    return { pdf, eml, messageId, from, packetSha256: packet?.sha256 ?? null, bundle: bundleEvidence };
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
      ...(p.bundle === null ? {} : { bundle: p.bundle }),
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

  /** The whole send: which action a notice kind is (a reminder changes no state). */
  const ACTION_OF_KIND: Readonly<Record<NoticeKind, ReferralAction | null>> = {
    notice: 'send',
    reminder: null,
    // An escalation is the first notice of a new (child) referral to the next recipient.
    escalation: 'send',
    lift: 'lift',
  };
  const REMINDABLE: readonly ReferralState[] = ['sent', 'acknowledged', 'partially_removed', 'reappeared'];

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

  type WhenClosed = 'refuse' | 'schedule';
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
          attachBundle: await wantsBundle(parent),
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
