import type { Language } from '@shared/domain/resources';
import type { ParsedPacketModel, PacketCapture } from './packet-model';
import type { PacketLabels } from './packet-i18n';
import { packetLabels } from './packet-i18n';
import { originCertificateTable, tlsTrustRows } from './packet-tls';
import { decisionSection } from './packet-decision-html';
import {
  escapeHtml,
  ltr,
  mono,
  auto,
  isolate,
  capturedUrl,
  row,
  kvTable,
  dataTable,
  joinOr,
} from './packet-html-parts';

/**
 * Screenshot boxes are laid out as empty links to this reserved (RFC 2606) host: Chromium turns each
 * into a Link annotation whose /Rect is exactly the box on the page where it landed, so the
 * post-processor learns every box's page and position from the printed PDF itself, whatever the
 * pagination did. The annotations are removed once the original PNG is drawn into the box.
 */
export const BOX_URL_PREFIX = 'https://vigil.invalid/box/';

/** Printable width of A4 with 15 mm side margins, in CSS px (96 per inch). */
const CONTENT_WIDTH_PX = 680;
/** Tallest screenshot box: one box per page, leaving room for its heading inside the page margins. */
const MAX_BOX_HEIGHT_PX = 900;

export type ShotSlice = Readonly<{
  /** Index into the flat slice list; the box link is `${BOX_URL_PREFIX}${index}`. */
  index: number;
  captureIndex: number;
  shotIndex: number;
  part: number;
  parts: number;
  /** Source rows [top, top + height) of the PNG shown in this box. */
  top: number;
  height: number;
  cssWidth: number;
  cssHeight: number;
}>;

export type SignerSummary = Readonly<{ subject: string; fingerprintSha256: string }>;

export type FontFiles = Readonly<{
  sansRegular: Buffer;
  sansBold: Buffer;
  naskhRegular: Buffer;
  naskhBold: Buffer;
  mono: Buffer;
}>;

/** Cuts every screenshot into page-sized slices; the PNG is never resampled, only clipped per box. */
export function planSlices(model: ParsedPacketModel): ShotSlice[] {
  const slices: ShotSlice[] = [];
  model.captures.forEach((capture, captureIndex) => {
    capture.screenshots.forEach((shot, shotIndex) => {
      const cssWidth = Math.min(CONTENT_WIDTH_PX, shot.width);
      const scale = cssWidth / shot.width;
      const rowsPerBox = Math.max(1, Math.floor(MAX_BOX_HEIGHT_PX / scale));
      const parts = Math.ceil(shot.height / rowsPerBox);
      for (let part = 0; part < parts; part++) {
        const top = part * rowsPerBox;
        const height = Math.min(rowsPerBox, shot.height - top);
        slices.push({
          index: slices.length,
          captureIndex,
          shotIndex,
          part: part + 1,
          parts,
          top,
          height,
          cssWidth,
          cssHeight: Math.round(height * scale * 1000) / 1000,
        });
      }
    });
  });
  return slices;
}

export function fontFaceCss(fonts: FontFiles): string {
  const face = (family: string, weight: number, bytes: Buffer): string =>
    `@font-face{font-family:'${family}';font-weight:${weight};font-style:normal;` +
    `src:url(data:font/ttf;base64,${bytes.toString('base64')}) format('truetype');}`;
  return [
    face('VigilSans', 400, fonts.sansRegular),
    face('VigilSans', 700, fonts.sansBold),
    face('VigilNaskh', 400, fonts.naskhRegular),
    face('VigilNaskh', 700, fonts.naskhBold),
    face('VigilMono', 400, fonts.mono),
  ].join('\n');
}

/**
 * Only the shipped fonts are named, so nothing from the workstation's font configuration can end up
 * embedded in evidence; Arabic prefers Naskh (a text face), everything else Noto Sans.
 */
function baseCss(labels: PacketLabels): string {
  const body = labels.dir === 'rtl' ? "'VigilNaskh', 'VigilSans'" : "'VigilSans', 'VigilNaskh'";
  return `
/* A synthesised bold or italic is printed as a Type 3 font: only the shipped faces may be embedded. */
* { font-synthesis: none; }
body { font-family: ${body}; font-size: 10pt; line-height: 1.45; color: #111; margin: 0; }
.ltr { font-family: 'VigilSans', 'VigilNaskh'; }
.mono { font-family: 'VigilMono', 'VigilSans', 'VigilNaskh'; font-size: 8.5pt; font-weight: 400; }
td, th { overflow-wrap: anywhere; word-break: break-word; }
h1 { font-size: 20pt; margin: 0 0 4mm; }
h2 { font-size: 14pt; margin: 6mm 0 3mm; border-bottom: 1px solid #888; padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 4mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin: 0 0 3mm; }
table.kv th { width: 32%; text-align: start; vertical-align: top; font-weight: 700; padding: 1mm 2mm; background: #f1f1f1; }
table.kv td { padding: 1mm 2mm; vertical-align: top; }
table.kv tr, table.grid tr { break-inside: avoid; }
table.kv th, table.kv td, table.grid th, table.grid td { border: 0.5pt solid #bbb; }
table.grid th { background: #f1f1f1; text-align: start; padding: 1mm 1.5mm; font-weight: 700; }
table.grid td { padding: 1mm 1.5mm; vertical-align: top; }
.page-break { break-before: page; }
.draft-banner { border: 2pt solid #b00000; color: #b00000; font-weight: 700; font-size: 16pt; text-align: center; padding: 4mm; margin: 0 0 5mm; }
.prose { white-space: pre-wrap; border: 0.5pt solid #bbb; padding: 2mm 3mm; margin: 0 0 3mm; }
blockquote { margin: 1mm 0 3mm; padding: 2mm 3mm; border-inline-start: 2pt solid #888; background: #f7f7f7; white-space: pre-wrap; }
.shot-page { break-before: page; break-inside: avoid; }
.shot-page h3 { margin: 0 0 1mm; }
.shot-meta { font-size: 8pt; color: #333; margin: 0 0 2mm; }
a.shot { display: block; text-decoration: none; }
.muted { color: #555; }
`;
}

/** The authority's name, time and serial as the token states them, so a reader can match the token. */
function timestampTokenRows(capture: PacketCapture, L: PacketLabels): string[] {
  const token = capture.timestampToken;
  if (token === undefined) return [];
  return [
    ...(token.tsaName === null ? [] : [row(L.tsaName, mono(token.tsaName))]),
    ...(capture.timestamp.genTime === token.genTime ? [] : [row(L.genTime, ltr(token.genTime))]),
    row(L.tsaSerial, mono(token.serialHex)),
  ];
}

/** What the capture was and how it was made: the first table of its section. */
function captureContextTable(capture: PacketCapture, L: PacketLabels): string {
  const ctx = capture.context;
  const ts = capture.timestamp;
  return kvTable([
    row(L.urlAsCaptured, capturedUrl(capture.url)),
    row(L.finalUrl, capturedUrl(capture.finalUrl)),
    row(L.pageTitle, auto(isolate(capture.page.title))),
    row(L.startedAt, ltr(capture.startedAt)),
    row(L.finishedAt, ltr(capture.finishedAt)),
    row(L.outcome, escapeHtml(L.outcomes[capture.outcome])),
    row(L.httpStatus, capture.http.status === null ? escapeHtml(L.none) : ltr(capture.http.status)),
    row(L.protocol, ltr(capture.http.protocol ?? '-')),
    row(L.remoteAddress, ltr(capture.http.remoteAddress ?? '-')),
    row(L.operator, auto(ctx.operator)),
    row(L.workstation, ltr(ctx.workstation)),
    row(L.os, ltr(ctx.os)),
    row(L.application, ltr(`${ctx.app.name} ${ctx.app.version}`)),
    row(L.browser, ltr(`${ctx.browser.product} ${ctx.browser.version}`)),
    row(L.userAgent, mono(ctx.userAgent)),
    row(
      L.viewport,
      ltr(`${ctx.viewport.width} × ${ctx.viewport.height} @${ctx.viewport.deviceScaleFactor}x`),
    ),
    row(L.locale, ltr(ctx.locale)),
    row(L.timeZone, ltr(ctx.timeZone)),
    row(L.proxy, ctx.proxy === null ? escapeHtml(L.none) : mono(ctx.proxy)),
    row(L.manifestSha256, mono(capture.manifestSha256)),
    row(L.signatureKey, mono(`${capture.signature.alg} ${capture.signature.keyId}`)),
    row(L.timestamp, escapeHtml(L.timestampStatuses[ts.status])),
    ...(ts.tsa === undefined ? [] : [row(L.tsa, mono(ts.tsa))]),
    ...(ts.genTime === undefined ? [] : [row(L.genTime, ltr(ts.genTime))]),
    ...timestampTokenRows(capture, L),
  ]);
}

/** The redirect chain, hop by hop, with how each hop happened; nothing when there was none. */
function redirectSection(capture: PacketCapture, L: PacketLabels): string[] {
  const parts: string[] = [];
  if (capture.redirects.length > 0) {
    parts.push(`<h3>${escapeHtml(L.redirects)}</h3>`);
    parts.push(
      dataTable(
        ['URL', L.status, L.via, L.location],
        capture.redirects.map((r) => [
          capturedUrl(r.url),
          ltr(r.status),
          r.via === undefined ? escapeHtml(L.none) : ltr(r.via),
          capturedUrl(r.location),
        ]),
      ),
    );
  }
  return parts;
}

/** The landing document's TLS details and trust verdicts; nothing for a page not served over TLS. */
function tlsSection(capture: PacketCapture, L: PacketLabels, language: Language): string[] {
  const parts: string[] = [];
  if (capture.tls !== undefined) {
    const tls = capture.tls;
    parts.push(`<h3>${escapeHtml(L.tls)}</h3>`);
    parts.push(
      kvTable([
        row(L.protocol, ltr(tls.protocol)),
        row(L.cipher, ltr(tls.keyExchange ? `${tls.cipher} (${tls.keyExchange})` : tls.cipher)),
        row(L.certSubject, mono(tls.subjectName)),
        row(L.issuer, mono(tls.issuer)),
        row(L.validFrom, ltr(tls.validFrom)),
        row(L.validTo, ltr(tls.validTo)),
        row(L.san, joinOr(tls.sanList, L.none, mono)),
        row(L.fingerprint, tls.sha256Fingerprint === null ? escapeHtml(L.none) : mono(tls.sha256Fingerprint)),
        ...tlsTrustRows(capture, language).map(([label, value]) => row(label, mono(value))),
      ]),
    );
  }
  return parts;
}

/** The media a restricted capture withheld, by hash and URL; nothing for an ordinary capture. */
function withheldSection(capture: PacketCapture, L: PacketLabels): string[] {
  const parts: string[] = [];
  const withheld = capture.withheld ?? [];
  if (withheld.length > 0) {
    // Hashes and URLs only: a withheld medium has no bytes anywhere to show or embed.
    parts.push(`<h3>${escapeHtml(L.withheld)}</h3><p class="withheld">${escapeHtml(L.withheldNotice)}</p>`);
    parts.push(
      dataTable(
        ['URL', L.reason, 'SHA-256', 'MD5', 'PDQ'],
        withheld.map((w) => [
          mono(w.url),
          auto(`${w.reason}: ${w.because}`),
          mono(w.sha256),
          mono(w.md5),
          mono(w.pdq ?? '—'),
        ]),
      ),
    );
  }
  return parts;
}

function captureSection(
  capture: PacketCapture,
  captureIndex: number,
  slices: readonly ShotSlice[],
  labels: PacketLabels,
  language: Language,
): string {
  const L = labels;
  const parts: string[] = [];
  parts.push(`<section class="page-break"><h2>${escapeHtml(L.capture)} ${mono(capture.id)}</h2>`);
  parts.push(captureContextTable(capture, L));
  if (capture.error !== undefined) {
    parts.push(`<p>${mono(`${capture.error.code}: ${capture.error.message}`)}</p>`);
  }
  parts.push(...redirectSection(capture, L));
  parts.push(...tlsSection(capture, L, language));
  const origins = originCertificateTable(capture, language);
  if (origins) {
    parts.push(`<h3>${escapeHtml(origins.title)}</h3>`);
    parts.push(
      dataTable(
        origins.headers,
        origins.rows.map((cells) => cells.map(mono)),
      ),
    );
  }
  const headers = Object.entries(capture.http.headers);
  if (headers.length > 0) {
    parts.push(`<h3>${escapeHtml(L.headers)}</h3>`);
    parts.push(
      dataTable(
        [L.name, L.value],
        headers.map(([k, v]) => [mono(k), mono(v)]),
      ),
    );
  }
  if (capture.warnings.length > 0) {
    parts.push(`<h3>${escapeHtml(L.warnings)}</h3><ul>`);
    for (const w of capture.warnings) parts.push(`<li>${mono(w.code)} ${auto(w.message)}</li>`);
    parts.push('</ul>');
  }
  parts.push(...withheldSection(capture, L));
  parts.push(`<h3>${escapeHtml(L.artifacts)}</h3>`);
  parts.push(
    dataTable(
      [L.name, L.kind, L.bytes, 'SHA-256'],
      capture.artifacts.map((a) => [mono(a.name), ltr(a.kind), ltr(a.bytes), mono(a.sha256)]),
    ),
  );
  parts.push('</section>');

  for (const slice of slices.filter((s) => s.captureIndex === captureIndex)) {
    const shot = capture.screenshots[slice.shotIndex];
    if (shot === undefined) continue;
    parts.push(
      `<section class="shot-page"><h3>${escapeHtml(L.screenshots)}: ${auto(isolate(shot.label))} · ` +
        `${escapeHtml(L.part(slice.part, slice.parts))}</h3>` +
        `<p class="shot-meta">${mono(capture.id)} · ${ltr(`${shot.width} × ${shot.height} px`)} · ` +
        `${ltr(`y ${slice.top}–${slice.top + slice.height}`)}</p>` +
        (shot.original
          ? `<p class="shot-meta">${escapeHtml(L.captionedCopy(isolate(shot.original.label)))}</p>`
          : '') +
        `<a class="shot" href="${BOX_URL_PREFIX}${slice.index}" ` +
        `style="width:${slice.cssWidth}px;height:${slice.cssHeight}px"></a></section>`,
    );
  }
  return parts.join('\n');
}

export type PacketHtmlInput = Readonly<{
  model: ParsedPacketModel;
  slices: readonly ShotSlice[];
  fontCss: string;
  generatedAt: Date;
  signer: SignerSummary | null;
}>;

export function buildPacketHtml(input: PacketHtmlInput): string {
  const { model, slices } = input;
  const L = packetLabels(model.language);
  const d = model.decision;
  const firstCapture = model.captures[0];
  const cover = [
    `<h1>${escapeHtml(L.title)}</h1>`,
    d === null ? `<div class="draft-banner">${escapeHtml(L.draftNotice)}</div>` : '',
    kvTable([
      row(L.caseRef, ltr(model.caseRef)),
      row(L.resource, mono(model.resource.id)),
      row(L.urlAsCaptured, capturedUrl(model.resource.url)),
      row(L.urlUnicode, capturedUrl(model.resource.displayUrl)),
      row(L.urlPunycode, mono(model.resource.punycodeUrl)),
      row(L.categories, joinOr(model.resource.categories, L.none, ltr)),
      row(L.captureTime, model.captures.map((c) => `${mono(c.id)} ${ltr(c.startedAt)}`).join('<br>')),
      row(L.outcome, firstCapture === undefined ? '' : escapeHtml(L.outcomes[firstCapture.outcome])),
      row(L.reviewer, d === null ? escapeHtml(L.none) : auto(d.reviewer.displayName)),
      row(
        L.decision,
        d === null ? escapeHtml(L.draft) : `<strong>${escapeHtml(L.decisions[d.fields.decision])}</strong>`,
      ),
      row(L.generatedAt, ltr(input.generatedAt.toISOString())),
    ]),
    `<p class="muted">${escapeHtml(L.attachmentsNote)}</p>`,
  ].join('\n');

  const custody = [
    `<section class="page-break"><h2>${escapeHtml(L.custody)}</h2>`,
    dataTable(
      [L.seq, L.at, L.actor, L.action, L.resource, L.hash],
      model.custody.map((r) => [
        ltr(r.seq),
        ltr(r.at),
        auto(r.actor),
        mono(r.action),
        mono(r.subject),
        mono(r.hash),
      ]),
    ),
    '</section>',
  ].join('\n');

  const found = model.indicators;
  const indicators = [
    `<section><h2>${escapeHtml(L.indicators)}</h2>`,
    found.length === 0
      ? `<p class="muted">${escapeHtml(L.noIndicators)}</p>`
      : dataTable(
          [L.kind, L.value, L.capture, L.indicatorWhere],
          found.map((i) => [mono(i.type), mono(i.value), mono(i.captureId), mono(i.where)]),
        ),
    '</section>',
  ].join('\n');

  const signature = [
    `<section><h2>${escapeHtml(L.signatureBlock)}</h2>`,
    input.signer === null
      ? `<p>${escapeHtml(L.unsigned)}</p>`
      : `<p>${escapeHtml(L.signatureBlockText)}</p>` +
        kvTable([
          row(L.signer, mono(input.signer.subject)),
          row(L.certificate, mono(input.signer.fingerprintSha256)),
        ]),
    '</section>',
  ].join('\n');

  return `<!doctype html>
<html lang="${model.language}" dir="${L.dir}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; font-src data:; style-src 'unsafe-inline'">
<title>${escapeHtml(`${L.title} — ${model.caseRef}`)}</title>
<style>
@page { size: A4; margin: 14mm 15mm 20mm 15mm; }
${input.fontCss}
${baseCss(L)}
</style>
</head>
<body>
${cover}
${model.captures.map((c, i) => captureSection(c, i, slices, L, model.language)).join('\n')}
${indicators}
${custody}
${decisionSection(model, L)}
${signature}
</body>
</html>`;
}
