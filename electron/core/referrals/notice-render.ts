import type { Browser } from 'puppeteer-core';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { NoticeKind } from '@shared/domain/referral';
import type { Language } from '@shared/domain/resources';
import { fontFaceCss } from '../packet/packet-html';
import { escapeHtml } from '../packet/packet-html-parts';
import { findFontsDir, loadFonts } from '../packet/packet-fonts';
import { printHtml } from '../packet/packet-print';

/**
 * A notice as the recipient receives it: a PDF laid out by Chromium with the packet's shipped fonts
 * (so Arabic is shaped and right-to-left exactly as in the packet), and an RFC 5322 message
 * (multipart: the body in the recipient's language, the notice PDF and the evidence attached). Both
 * are returned as the exact bytes that are then hashed, kept and sent — nothing is re-encoded later.
 */

export type NoticeAttachment = Readonly<{ filename: string; contentType: string; content: Buffer }>;

export type NoticeContent = Readonly<{
  kind: NoticeKind;
  language: Language;
  subject: string;
  body: string;
  /** Shown under the title: template, version, referral id. */
  reference: string;
}>;

const DIR: Readonly<Record<Language, 'ltr' | 'rtl'>> = { en: 'ltr', ar: 'rtl', ru: 'ltr' };

function noticeHtml(c: NoticeContent, fontsCss: string): string {
  const dir = DIR[c.language];
  const family = dir === 'rtl' ? "'VigilNaskh', 'VigilSans'" : "'VigilSans', 'VigilNaskh'";
  return `<!doctype html><html lang="${c.language}" dir="${dir}"><head><meta charset="utf-8">
<title>${escapeHtml(c.subject)}</title>
<style>${fontsCss}
* { font-synthesis: none; }
@page { size: A4; margin: 20mm 18mm; }
body { font-family: ${family}; font-size: 11pt; line-height: 1.5; color: #111; margin: 0; }
h1 { font-size: 15pt; font-weight: 700; margin: 0 0 4mm; }
.ref { font-family: 'VigilMono', monospace; font-size: 8.5pt; color: #444; margin-bottom: 6mm; direction: ltr; unicode-bidi: isolate; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; }
</style></head><body>
<h1>${escapeHtml(c.subject)}</h1>
<div class="ref">${escapeHtml(c.reference)}</div>
<div class="body">${escapeHtml(c.body)}</div>
</body></html>`;
}

/** The notice PDF (untagged: a letter, not a packet). */
export async function renderNoticePdf(
  browser: Browser,
  c: NoticeContent,
  fontsDir?: string,
): Promise<Buffer> {
  const fonts = await loadFonts(findFontsDir(fontsDir));
  return printHtml(browser, noticeHtml(c, fontFaceCss(fonts)), false);
}

export type EmlInput = Readonly<{
  from: string;
  to: string;
  messageId: string;
  date: Date;
  content: NoticeContent;
  attachments: readonly NoticeAttachment[];
}>;

/** The RFC 5322 message, as bytes: the same bytes are kept as a blob and handed to SMTP. */
export function buildNoticeEml(input: EmlInput): Promise<Buffer> {
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    subject: input.content.subject,
    text: input.content.body,
    messageId: input.messageId,
    date: input.date,
    headers: { 'Content-Language': input.content.language },
    attachments: input.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
  });
  return new Promise((resolvePromise, reject) => {
    composer.compile().build((error, message) => {
      if (error) reject(error);
      // SMTP sends every line ending as CRLF; normalised here, so the kept bytes are the sent bytes.
      // The message is 7-bit (headers encoded, parts base64 or quoted-printable): latin1 is lossless.
      else resolvePromise(Buffer.from(message.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'));
    });
  });
}
