import { isolateText, punycodeHostOf } from '@shared/domain/display-text';

/** The small HTML pieces the packet's sections are written with: escaping, direction, tables. */

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Left-to-right runs (URLs, hashes, times, ids, numbers) isolated so they read correctly inside Arabic. */
export const ltr = (text: string | number): string =>
  `<bdi dir="ltr" class="ltr">${escapeHtml(String(text))}</bdi>`;
export const mono = (text: string | number): string =>
  `<bdi dir="ltr" class="mono">${escapeHtml(String(text))}</bdi>`;
/** Free text typed by people (titles, facts, legal text) takes its direction from its own first letters. */
export const auto = (text: string): string => `<span dir="auto">${escapeHtml(text)}</span>`;
/**
 * A captured string (a page's title, a URL the page or server gave) between FSI and PDI
 * (display-text.ts, UAX #9): a U+202E or other bidi control in it cannot reorder the text around
 * it, in the PDF's text layer as on the page.
 */
export const isolate = isolateText;
/** A captured URL, isolated, with the punycode of an IDN host beside it (a homograph shows as what it is). */
export const capturedUrl = (url: string): string => {
  const ascii = punycodeHostOf(url);
  return `${mono(isolate(url))}${ascii === null ? '' : ` (${mono(ascii)})`}`;
};

export const row = (label: string, valueHtml: string): string =>
  `<tr><th scope="row">${escapeHtml(label)}</th><td>${valueHtml}</td></tr>`;

export const kvTable = (rows: string[]): string =>
  `<table class="kv"><tbody>${rows.join('')}</tbody></table>`;

export function dataTable(headers: string[], rows: string[][], className = 'grid'): string {
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export const joinOr = (values: readonly string[], none: string, render: (v: string) => string): string =>
  values.length === 0 ? escapeHtml(none) : values.map(render).join(', ');
