import type { ParsedPacketModel } from './packet-model';
import { escapeHtml, ltr, mono } from './packet-html-parts';
import { packetLabels } from './packet-i18n';

/** The stamp layer printed over every packet page: footer, Bates number, DRAFT or COPY marks. */

export function batesNumber(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(6, '0')}`;
}

/**
 * One page per packet page with only the footer (page x of n, Bates number) and, for a draft, the
 * watermark. Printed by Chromium too, so the stamps are shaped and use the shipped fonts; the
 * post-processor lays each stamp page over the matching packet page.
 */
export function buildStampHtml(input: { model: ParsedPacketModel; pages: number; fontCss: string }): string {
  const { model, pages } = input;
  const L = packetLabels(model.language);
  const draft = model.decision === null;
  // A copy is marked on every page in the packet's language and, for a court reading another, in English.
  const copyMark =
    !draft && model.copy
      ? model.language === 'en'
        ? L.copy
        : `${L.copy} / ${packetLabels('en').copy}`
      : null;
  const mark = draft ? L.draft : copyMark;
  const pageDivs: string[] = [];
  for (let i = 1; i <= pages; i++) {
    pageDivs.push(
      `<div class="p">` +
        (draft ? `<div class="wm">${escapeHtml(L.draft)}</div>` : '') +
        (copyMark === null ? '' : `<div class="wm wm-copy">${escapeHtml(L.copy)}</div>`) +
        `<div class="foot"><span>${mark === null ? '' : `<strong>${escapeHtml(mark)}</strong> · `}` +
        `${escapeHtml(L.page(i, pages))} · ${ltr(model.caseRef)}</span>` +
        `<span class="bates">${mono(batesNumber(model.batesPrefix, model.batesStart + i - 1))}</span></div>` +
        `</div>`,
    );
  }
  const body = L.dir === 'rtl' ? "'VigilNaskh', 'VigilSans'" : "'VigilSans', 'VigilNaskh'";
  return `<!doctype html>
<html lang="${model.language}" dir="${L.dir}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; font-src data:; style-src 'unsafe-inline'">
<style>
@page { size: A4; margin: 0; }
${input.fontCss}
* { font-synthesis: none; }
html, body { margin: 0; padding: 0; }
body { font-family: ${body}; font-size: 8pt; color: #222; }
.ltr { font-family: 'VigilSans', 'VigilNaskh'; }
.mono { font-family: 'VigilMono', 'VigilSans'; font-size: 9pt; font-weight: 400; }
.p { position: relative; height: 296mm; overflow: hidden; break-after: page; }
.p:last-child { break-after: auto; }
.foot { position: absolute; left: 15mm; right: 15mm; top: 284mm; display: flex; justify-content: space-between; }
.bates { font-weight: 700; }
.wm { position: absolute; left: 0; right: 0; top: 120mm; text-align: center; font-size: 96pt; font-weight: 700;
      color: rgba(176, 0, 0, 0.16); transform: rotate(-35deg); }
.wm-copy { font-size: 44pt; white-space: nowrap; }
</style>
</head>
<body>${pageDivs.join('')}</body>
</html>`;
}
