import { createHash } from 'node:crypto';

/**
 * The content fingerprints a re-check compares with the reviewed capture: the page's visible text
 * and its DOM, each normalised so that what does not change the content (whitespace, Unicode form,
 * scripts and their nonces, comments) does not change the hash. The reviewed capture's `text.txt`
 * and `dom.html` go through the same functions, so a page that still shows the same thing hashes
 * the same whatever its status code.
 */

/** NFC, every run of whitespace (including NBSP) one space, trimmed. */
export function normaliseText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\s\u00a0\u200b\ufeff]+/gu, ' ')
    .trim();
}

/**
 * The DOM without what varies between two loads of the same content: scripts, styles, comments,
 * nonces and CSRF-like tokens in attributes, and the whitespace between tags.
 */
export function normaliseDom(html: string): string {
  return html
    .normalize('NFC')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<script\b[^>]*>[\s\S]*?<\/script\s*>/gi, '')
    .replace(/<style\b[^>]*>[\s\S]*?<\/style\s*>/gi, '')
    .replace(/<noscript\b[^>]*>[\s\S]*?<\/noscript\s*>/gi, '')
    .replace(/\s(?:nonce|integrity|data-csrf|data-nonce)="[^"]*"/gi, '')
    .replace(/>\s+</g, '><')
    .replace(/\s+/g, ' ')
    .trim();
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

export const textSha256 = (text: string): string => sha256(normaliseText(text));
export const domSha256 = (html: string): string => sha256(normaliseDom(html));

export type ContentHashes = Readonly<{ textSha256: string; domSha256: string }>;

export const contentHashes = (text: string, html: string): ContentHashes => ({
  textSha256: textSha256(text),
  domSha256: domSha256(html),
});
