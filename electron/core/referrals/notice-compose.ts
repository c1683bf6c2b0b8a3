import type { DecisionRecord } from '@shared/domain/decision';
import { fillTemplate, type NoticeTemplate, type TemplateField } from '@shared/domain/notice-template';
import {
  type NoticeKind,
  type Recipient,
  type ReferralState,
  type ReferralSummary,
} from '@shared/domain/referral';
import type { Language } from '@shared/domain/resources';
import { AppError, assertNever } from '@shared/errors/app-error';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { registerBlob } from '../db/repositories/blobs-repo';
import { signedPacketOf } from '../db/repositories/packets-repo';
import {
  appendReferralEvent,
  insertNotice,
  listReferralEvents,
  type AuditRecorder,
} from '../db/repositories/referrals-repo';
import type { WriteConn } from '../db/database';
import type { Workspace } from '../workspace';
import { buildNoticeEml, type NoticeAttachment, type NoticeContent } from './notice-render';
import type { ReferralServiceDeps } from './referral-service';

/**
 * A notice's bytes and their record: the template filled from the signed decision (bidi-isolated in
 * Arabic), the PDF, the e-mail with the packet and, when asked, the court bundle; the SMTP hand-over;
 * and the one transaction that stores the blobs, the notice row, the state change and the custody
 * rows. Nothing here decides whether a notice may go: that is notice-delivery.ts.
 */

/** The court bundle as the notice carries it: attached, or referenced by its hash when too large. */
export type BundleEvidence = Readonly<{ file: string; sha256: string; bytes: number; attached: boolean }>;

export type Prepared = Readonly<{
  pdf: Buffer;
  eml: Buffer | null;
  messageId: string | null;
  from: string;
  packetSha256: string | null;
  bundle: BundleEvidence | null;
}>;

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

/** Whether the referral asked, when it was created, for the court bundle to go with its notice. */
export async function wantsBundle(ws: Workspace, r: ReferralSummary): Promise<boolean> {
  const events = await ws.db.read((c) => listReferralEvents(c, r.id));
  return events[0]?.evidence['attachBundle'] === true;
}

export type NoticeComposer = Readonly<{
  prepare: (
    r: ReferralSummary,
    decision: DecisionRecord,
    recipient: Recipient,
    t: NoticeTemplate,
    kind: NoticeKind,
    deliveredRef: string | null,
    actor: string,
  ) => Promise<Prepared>;
  transmit: (recipient: Recipient, p: Prepared) => Promise<string | null>;
  recordDelivery: (
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
  ) => Promise<number>;
}>;

export function createNoticeComposer(deps: ReferralServiceDeps): NoticeComposer {
  const { ws, keyed } = deps;

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
    if ((kind !== 'notice' && kind !== 'escalation') || !(await wantsBundle(ws, r))) return null;
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

  return { prepare, transmit, recordDelivery };
}
