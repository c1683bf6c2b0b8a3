import { domainToUnicode } from 'node:url';
import { AppError } from '@shared/errors/app-error';

/** Longest URL accepted (bytes of UTF-8). Longer strings are almost always pasted documents, not links. */
export const MAX_URL_BYTES = 8 * 1024;

/**
 * Query parameters that only identify a click or campaign, never the content. Dropping them makes the
 * same page reported from a newsletter and from a chat one resource. Keep this the single list; match is
 * on the decoded, lowercased name.
 */
export const TRACKING_PARAMS: ReadonlySet<string> = new Set([
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'mc_eid',
  'mc_cid',
  'yclid',
  'ysclid',
  '_ga',
  '_gl',
  'igshid',
  'igsh',
  'twclid',
  'ttclid',
  'li_fat_id',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
  'vero_id',
  'oly_anon_id',
  'oly_enc_id',
  'wickedid',
  'srsltid',
]);

/** Whole families of campaign parameters (`utm_source`, `utm_medium`, …). */
export const TRACKING_PREFIXES: readonly string[] = ['utm_'];

export const isTrackingParam = (name: string): boolean => {
  const n = name.toLowerCase();
  return TRACKING_PARAMS.has(n) || TRACKING_PREFIXES.some((p) => n.startsWith(p));
};

export type NormalizedUrl = Readonly<{
  /** The text exactly as reported (only surrounding whitespace removed): kept verbatim on the report. */
  original: string;
  /** The resource identity: WHATWG-serialised, punycode host, no fragment, no tracking parameters. */
  url: string;
  /** `url` with the host in Unicode, for people to read (the punycode form stays the identity). */
  displayUrl: string;
  /** ASCII host name without port (IPv6 literals in brackets, as the URL standard writes them). */
  host: string;
}>;

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** Removes tracking parameters; everything else stays byte for byte and in order. */
export function stripTrackingParams(search: string): string {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return '';
  const kept = query.split('&').filter((part) => {
    if (part === '') return false;
    const eq = part.indexOf('=');
    return !isTrackingParam(decodeName(eq === -1 ? part : part.slice(0, eq)));
  });
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}

/**
 * Turns a reported URL into the resource identity (DESIGN §1: one resource = one normalised URL).
 * Throws `intake.url-too-long`, `intake.bad-url` or `intake.scheme-refused`. Pure: no DNS, no clock.
 *
 * Credentials (`user:pass@`) are refused rather than stripped: stripping would store a secret in the
 * verbatim original URL of the report and in the search index, and `trusted.example@evil.example` is a
 * classic disguise that a reviewer should see reported as it is, by someone who removes it on purpose.
 */
export function normalizeUrl(input: string): NormalizedUrl {
  const original = input.trim();
  if (Buffer.byteLength(original, 'utf8') > MAX_URL_BYTES) {
    throw new AppError(
      'intake.url-too-long',
      `the URL is ${Buffer.byteLength(original, 'utf8')} bytes; at most ${MAX_URL_BYTES} are accepted`,
    );
  }
  if (original === '') throw new AppError('intake.bad-url', 'the URL is empty');
  const control = firstControl(original);
  if (control !== null) {
    // A URL never needs one (RFC 3986 §2: they must be percent-encoded), and kept raw they forge
    // terminal output and log lines; the text is not echoed, only where the character is.
    throw new AppError(
      'intake.bad-url',
      `the URL contains the control character U+${control.code.toString(16).toUpperCase().padStart(4, '0')} at character ${control.at + 1}; percent-encode it or remove it`,
      { reason: 'control-character' },
    );
  }
  const match = SCHEME.exec(original);
  // `example.com:8080/x` and `localhost:3000` look like a scheme to a parser but are hosts without one.
  const hostLike =
    match !== null &&
    (match[1]?.includes('.') === true || /^\d+(?:[/?#]|$)/.test(original.slice(match[0].length)));
  const scheme = hostLike ? undefined : match?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new AppError('intake.scheme-refused', `only http and https URLs are accepted, not ${scheme}:`);
  }
  if (scheme === undefined) {
    throw new AppError(
      'intake.bad-url',
      `not an absolute URL (start it with https:// or http://): ${short(original)}`,
    );
  }
  let url: URL;
  try {
    url = new URL(original);
  } catch {
    throw new AppError('intake.bad-url', `not a valid URL: ${short(original)}`);
  }
  // The parser may still land on another scheme (e.g. a backslash trick); check what it produced.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('intake.scheme-refused', `only http and https URLs are accepted, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError(
      'intake.bad-url',
      'the URL contains a user name or password (user:pass@); remove them and report the URL again',
      { reason: 'credentials' },
    );
  }
  // `example.com.` and `example.com` are the same host in DNS; one resource, not two.
  const host = url.hostname.replace(/\.+$/, '');
  if (host === '') throw new AppError('intake.bad-url', `the URL has no host: ${short(original)}`);
  if (host !== url.hostname) url.hostname = host;
  url.hash = '';
  url.search = stripTrackingParams(url.search);
  const normalized = url.href;
  if (Buffer.byteLength(normalized, 'utf8') > MAX_URL_BYTES) {
    throw new AppError('intake.url-too-long', `the normalised URL exceeds ${MAX_URL_BYTES} bytes`);
  }
  return { original, url: normalized, displayUrl: toDisplayUrl(url), host: url.hostname };
}

/**
 * The first C0 control (NUL, ESC, TAB, CR, LF…), DEL, C1 control or bidirectional formatting
 * control (U+061C, U+200E/F, U+202A–E, U+2066–9) in `s`, with its position.
 */
function firstControl(s: string): { code: number; at: number } | null {
  for (let i = 0; i < s.length; i += 1) {
    const code = s.charCodeAt(i);
    if (
      code <= 0x1f ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x061c ||
      code === 0x200e ||
      code === 0x200f ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    )
      return { code, at: i };
  }
  return null;
}

function toDisplayUrl(url: URL): string {
  const unicode = domainToUnicode(url.hostname);
  if (unicode === '' || unicode === url.hostname) return url.href;
  const port = url.port === '' ? '' : `:${url.port}`;
  return `${url.protocol}//${unicode}${port}${url.pathname}${url.search}`;
}

function short(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}
