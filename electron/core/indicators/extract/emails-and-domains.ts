import { domainToASCII, domainToUnicode } from 'node:url';
import type { Found } from './crypto-addresses';
import { MESSENGER_HOSTS } from './messengers';

/**
 * E-mail addresses (local part as written, domain lower-case) and the other sites a page links to
 * (the registrable domain of each http(s) link whose registrable domain is not the page's own).
 */
const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-]|\.[A-Za-z0-9])/g;

export function findEmails(s: string, out: Found[]): void {
  if (!s.includes('@')) return;
  for (const m of s.matchAll(EMAIL)) {
    const domain = m[1] ?? '';
    const local = m[0].slice(0, m[0].length - domain.length - 1);
    if (local.endsWith('.') || local.includes('..')) continue;
    out.push({
      type: 'email',
      value: `${local}@${domain.toLowerCase()}`,
      offset: m.index,
      length: m[0].length,
    });
  }
}

/**
 * Second-level labels under which registrations are made (co.uk, com.sa…): a small table of the
 * suffixes seen in the regions Vigil works in, not the whole Public Suffix List. Elsewhere the
 * registrable domain is the last two labels.
 */
const SECOND_LEVEL: ReadonlySet<string> = new Set([
  'co.uk',
  'org.uk',
  'me.uk',
  'ac.uk',
  'gov.uk',
  'ltd.uk',
  'plc.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.nz',
  'co.za',
  'co.jp',
  'co.in',
  'co.il',
  'co.kr',
  'com.sa',
  'net.sa',
  'org.sa',
  'com.eg',
  'org.eg',
  'com.ae',
  'co.ae',
  'net.ae',
  'org.ae',
  'com.qa',
  'com.kw',
  'com.bh',
  'com.om',
  'com.jo',
  'com.lb',
  'com.iq',
  'com.ly',
  'com.tn',
  'co.ma',
  'com.kz',
  'org.kz',
  'com.ru',
  'org.ru',
  'net.ru',
  'msk.ru',
  'spb.ru',
  'com.ua',
  'org.ua',
  'com.by',
  'com.tr',
  'com.br',
  'com.mx',
  'com.ar',
  'com.cn',
  'com.hk',
  'com.tw',
  'com.sg',
  'com.my',
  'com.pk',
]);

/** The registrable domain of a host in lower-case ASCII (punycode for IDN), or null if it has none. */
export function registrableDomain(host: string): string | null {
  const ascii = domainToASCII(host.replace(/\.$/, ''));
  if (ascii === '' || /^[\d.]+$/.test(ascii) || ascii.startsWith('[')) return null;
  const labels = ascii.split('.');
  if (labels.length < 2) return null;
  const lastTwo = labels.slice(-2).join('.');
  if (SECOND_LEVEL.has(lastTwo)) return labels.length >= 3 ? labels.slice(-3).join('.') : null;
  return lastTwo;
}

function hostOf(href: string, base: string): string | null {
  try {
    const u = new URL(href, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname : null;
  } catch {
    return null;
  }
}

/** The linked domain of one link, if it is another site's (offset/length: the host in the href). */
export function linkedDomain(href: string, pageUrl: string): Found | null {
  const host = hostOf(href, pageUrl);
  if (host === null) return null;
  const domain = registrableDomain(host);
  const pageHost = hostOf(pageUrl, 'http://invalid.');
  if (domain === null || MESSENGER_HOSTS.has(host.replace(/^www\./, ''))) return null;
  if (pageHost !== null && registrableDomain(pageHost) === domain) return null;
  // Where the host is written in the href (URL gives punycode; the href may hold Unicode or capitals).
  const lowerHref = href.toLowerCase();
  let written = host;
  let offset = lowerHref.indexOf(host);
  if (offset < 0) {
    written = domainToUnicode(host);
    offset = lowerHref.indexOf(written);
  }
  let length = written.length;
  if (offset < 0) {
    offset = 0;
    length = href.length;
  }
  return { type: 'domain', value: domain, offset, length };
}
