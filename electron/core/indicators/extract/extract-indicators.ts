import { findCryptoAddresses, type Found } from './crypto-addresses';
import { findEmails, linkedDomain } from './emails-and-domains';
import { findMessengers } from './messengers';
import { findPhones, phoneToE164 } from './phones';
import type { ExtractedIndicator, ExtractionInput, ExtractionOptions, IndicatorSource } from './types';

/**
 * Every indicator of one capture, in a stable order (source, index, offset, type). Stages:
 *   1. the visible text: wallets, phones, messenger links and @handles, e-mails
 *   2. each link's href: the same families, plus tel:/mailto: values and the linked domain
 *   3. the page URL: messenger links only (the page itself may be a channel); never its own domain
 *   4. data-* values: the text families
 * An occurrence is kept once per (source, index, offset, type, value).
 */
export function extractIndicators(
  input: ExtractionInput,
  options: ExtractionOptions,
): ReadonlyArray<ExtractedIndicator> {
  const out: ExtractedIndicator[] = [];
  const seen = new Set<string>();
  const emit = (source: IndicatorSource, index: number, s: string, found: readonly Found[]): void => {
    for (const f of found) {
      const key = `${f.type}\u0000${f.value}\u0000${f.offset}\u0000${f.length}`;
      const full = `${source}\u0000${index}\u0000${key}`;
      if (seen.has(full)) continue;
      seen.add(full);
      out.push({ ...f, source, index, raw: s.slice(f.offset, f.offset + f.length) });
    }
  };

  emit('text', 0, input.text, textFamilies(input.text, options));

  input.links.forEach((link, i) => {
    emit('link', i, link.href, hrefFamilies(link.href, input.url, options));
  });

  const fromUrl: Found[] = [];
  findMessengers(input.url, false, fromUrl);
  emit('url', 0, input.url, fromUrl);

  (input.dataAttributes ?? []).forEach((value, i) => {
    emit('data', i, value, textFamilies(value, options));
  });

  return out;
}

function textFamilies(s: string, options: ExtractionOptions): Found[] {
  const found: Found[] = [];
  findCryptoAddresses(s, found);
  findPhones(s, options.defaultRegion, found);
  findMessengers(s, true, found);
  findEmails(s, found);
  return found.sort((a, b) => a.offset - b.offset);
}

function hrefFamilies(href: string, pageUrl: string, options: ExtractionOptions): Found[] {
  const found: Found[] = [];
  const scheme = /^\s*(tel|mailto|callto):/i.exec(href);
  if (scheme !== null) {
    const start = scheme[0].length;
    const value = safeDecode(href.slice(start).split(/[?;]/)[0] ?? '');
    if (scheme[1]?.toLowerCase() === 'mailto') {
      for (const e of emailsOf(value)) found.push({ ...e, offset: start, length: href.length - start });
    } else {
      const e164 = phoneToE164(value.replace(/^00/, '+'), options.defaultRegion);
      if (e164 !== null)
        found.push({ type: 'phone', value: e164, offset: start, length: href.length - start });
    }
    return found;
  }
  // Wallet URIs (bitcoin:ADDR?amount=…, ethereum:ADDR) are covered by the crypto scan of the href.
  findCryptoAddresses(href, found);
  findMessengers(href, false, found);
  const domain = linkedDomain(href, pageUrl);
  if (domain !== null) found.push(domain);
  return found.sort((a, b) => a.offset - b.offset);
}

function emailsOf(s: string): Found[] {
  const found: Found[] = [];
  findEmails(s, found);
  return found;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
