import type { PacketLabels } from './packet-i18n';
import type { ParsedPacketModel } from './packet-model';
import { escapeHtml, ltr, mono, auto, row, kvTable, joinOr } from './packet-html-parts';

/** The packet's decision section: the signed decision's fields, or the draft banner before one. */
export function decisionSection(model: ParsedPacketModel, labels: PacketLabels): string {
  const L = labels;
  const d = model.decision;
  if (d === null) {
    return `<section class="page-break"><h2>${escapeHtml(L.decisionSection)}</h2>
      <div class="draft-banner">${escapeHtml(L.draftNotice)}</div></section>`;
  }
  const f = d.fields;
  const parts: string[] = [`<section class="page-break"><h2>${escapeHtml(L.decisionSection)}</h2>`];
  parts.push(
    kvTable([
      row(L.decisionId, mono(d.id)),
      row(L.decision, `<strong>${escapeHtml(L.decisions[f.decision])}</strong>`),
      row(L.measure, f.measure === null ? escapeHtml(L.none) : escapeHtml(L.measures[f.measure])),
      row(L.targets, f.targets.length === 0 ? escapeHtml(L.none) : f.targets.map(mono).join('<br>')),
      row(L.territorialScope, joinOr(f.territorialScope, L.none, ltr)),
      row(L.startDate, f.startDate === null ? escapeHtml(L.none) : ltr(f.startDate)),
      row(L.endDate, f.endDate === null ? escapeHtml(L.openEnded) : ltr(f.endDate)),
      row(L.category, f.category === null ? escapeHtml(L.none) : mono(f.category)),
      row(L.keywords, joinOr(f.keywords, L.none, mono)),
      row(L.sourceType, f.sourceType === null ? escapeHtml(L.none) : escapeHtml(L.sourceTypes[f.sourceType])),
      row(L.automatedDetection, escapeHtml(f.automatedDetection ? L.yes : L.no)),
      row(L.capturesRelied, d.captures.map((c) => `${mono(c.id)}<br>${mono(c.manifestSha256)}`).join('<br>')),
    ]),
  );
  for (const basis of d.legalBases) {
    parts.push(`<h3>${escapeHtml(L.legalBasis)}: ${auto(`${basis.instrument}, ${basis.article}`)}</h3>`);
    parts.push(
      kvTable([
        row(L.instrument, auto(basis.instrument)),
        row(L.article, auto(basis.article)),
        row(L.name, auto(basis.title)),
        row(L.referenceUrl, mono(basis.referenceUrl)),
      ]),
    );
    if (basis.text !== undefined && basis.text !== '') {
      parts.push(`<div class="muted">${escapeHtml(L.citedText)}</div>`);
      parts.push(`<blockquote dir="auto">${escapeHtml(basis.text)}</blockquote>`);
    }
  }
  parts.push(`<h3>${escapeHtml(L.facts)}</h3><div class="prose" dir="auto">${escapeHtml(f.facts)}</div>`);
  parts.push(
    `<h3>${escapeHtml(L.explanation)}</h3><div class="prose" dir="auto">${escapeHtml(f.explanation)}</div>`,
  );
  parts.push(
    kvTable([
      row(L.reviewer, `${auto(d.reviewer.displayName)} (${ltr(d.reviewer.name)})`),
      row(L.signedAt, ltr(d.signedAt)),
      row(L.decisionSignature, mono(`${d.signature.alg} ${d.signature.keyId}`)),
      row('', mono(d.signature.value)),
    ]),
  );
  parts.push('</section>');
  return parts.join('\n');
}
