import { describe, expect, it } from 'vitest';
import {
  isTrackingParam,
  MAX_URL_BYTES,
  normalizeUrl,
  stripTrackingParams,
} from '@core/intake/normalize-url';
import { isAppError } from '@shared/errors/app-error';

type Case = readonly [name: string, input: string, url: string, displayUrl?: string];

const CASES: readonly Case[] = [
  ['lowercases scheme and host', 'HTTPS://Example.COM/Path', 'https://example.com/Path'],
  ['keeps path case', 'https://example.com/AbC?Q=X', 'https://example.com/AbC?Q=X'],
  ['empty path becomes /', 'https://example.com', 'https://example.com/'],
  ['drops the default http port', 'http://example.com:80/a', 'http://example.com/a'],
  ['drops the default https port', 'https://example.com:443/a', 'https://example.com/a'],
  ['keeps other ports', 'https://example.com:8443/a', 'https://example.com:8443/a'],
  ['keeps 443 on http', 'http://example.com:443/', 'http://example.com:443/'],
  ['drops the fragment', 'https://example.com/a#section-2', 'https://example.com/a'],
  ['drops an empty fragment', 'https://example.com/a#', 'https://example.com/a'],
  ['drops the trailing dot of the host', 'https://example.com./a', 'https://example.com/a'],
  ['drops several trailing dots', 'https://example.com../a', 'https://example.com/a'],
  [
    'drops utm_* parameters',
    'https://example.com/?utm_source=x&utm_medium=y&id=5',
    'https://example.com/?id=5',
  ],
  ['drops UTM_ in upper case', 'https://example.com/?UTM_Campaign=x&id=5', 'https://example.com/?id=5'],
  [
    'drops click ids and keeps the rest in order',
    'https://shop.example/item?b=2&fbclid=AAA&a=1&gclid=B&msclkid=C&z=&yclid=1&_ga=2&igshid=3&mc_eid=4&dclid=5',
    'https://shop.example/item?b=2&a=1&z=',
  ],
  ['drops an encoded tracking name', 'https://example.com/?%75tm_source=x&q=1', 'https://example.com/?q=1'],
  [
    'removes the ? when only tracking was left',
    'https://example.com/p?utm_source=x',
    'https://example.com/p',
  ],
  ['removes an empty query', 'https://example.com/p?', 'https://example.com/p'],
  ['keeps repeated keys and their order', 'https://example.com/?a=2&a=1', 'https://example.com/?a=2&a=1'],
  [
    'does not drop parameters that only look alike',
    'https://example.com/?utm=1&gclid_x=2',
    'https://example.com/?utm=1&gclid_x=2',
  ],
  ['keeps a plus in a value', 'https://example.com/?q=a+b', 'https://example.com/?q=a+b'],
  [
    'IDN host to punycode, Unicode kept for display',
    'https://Пример.рф/страница?x=1#top',
    'https://xn--e1afmkfd.xn--p1ai/%D1%81%D1%82%D1%80%D0%B0%D0%BD%D0%B8%D1%86%D0%B0?x=1',
    'https://пример.рф/%D1%81%D1%82%D1%80%D0%B0%D0%BD%D0%B8%D1%86%D0%B0?x=1',
  ],
  ['Arabic IDN', 'http://مثال.إختبار/', 'http://xn--mgbh0fb.xn--kgbechtv/', 'http://مثال.إختبار/'],
  [
    'punycode input gets a Unicode display form',
    'https://xn--e1afmkfd.xn--p1ai/',
    'https://xn--e1afmkfd.xn--p1ai/',
    'https://пример.рф/',
  ],
  [
    'IDN with a port',
    'https://пример.рф:8080/',
    'https://xn--e1afmkfd.xn--p1ai:8080/',
    'https://пример.рф:8080/',
  ],
  [
    'IPv6 host is compressed and lowercased',
    'http://[2001:DB8:0:0:0:0:0:1]:8080/a',
    'http://[2001:db8::1]:8080/a',
  ],
  ['IPv6 default port dropped', 'https://[2606:4700::1111]:443/', 'https://[2606:4700::1111]/'],
  ['spaces in the path are percent-encoded', 'https://example.com/a b', 'https://example.com/a%20b'],
  ['non-ASCII path is UTF-8 percent-encoded', 'https://example.com/ü', 'https://example.com/%C3%BC'],
  ['existing escapes are kept as they are', 'https://example.com/%7e%7E', 'https://example.com/%7e%7E'],
  ['an escaped host is decoded', 'https://ex%41mple.com/', 'https://example.com/'],
  ['dot segments are resolved', 'https://example.com/a/./b/../c', 'https://example.com/a/c'],
  ['backslashes become slashes', 'https:\\\\example.com\\a', 'https://example.com/a'],
  ['surrounding whitespace is ignored', '  https://example.com/x \n', 'https://example.com/x'],
  ['decimal IPv4 becomes dotted', 'http://134744072/', 'http://8.8.8.8/'],
];

describe('normalizeUrl', () => {
  const full = CASES.map(([name, input, url, display]) => [name, input, url, display ?? url] as const);
  it.each(full)('%s', (_name, input, url, displayUrl) => {
    const n = normalizeUrl(input);
    expect(n.url).toBe(url);
    expect(n.displayUrl).toBe(displayUrl);
    expect(n.original).toBe(input.trim());
  });

  it('gives the ASCII host without port or trailing dot', () => {
    expect(normalizeUrl('https://WWW.Пример.рф.:8443/').host).toBe('www.xn--e1afmkfd.xn--p1ai');
    expect(normalizeUrl('http://[::1]:80/').host).toBe('[::1]');
  });

  it('is idempotent', () => {
    for (const [, input] of CASES) {
      const once = normalizeUrl(input).url;
      expect(normalizeUrl(once).url).toBe(once);
    }
  });

  it('maps equivalent spellings of one page to one identity', () => {
    const spellings = [
      'https://example.com/a?x=1',
      'HTTPS://EXAMPLE.COM:443/a?x=1#frag',
      'https://example.com./a?utm_source=tg&x=1',
      'https://example.com/a?x=1&fbclid=abc',
    ];
    expect(new Set(spellings.map((s) => normalizeUrl(s).url))).toEqual(
      new Set(['https://example.com/a?x=1']),
    );
  });
});

type Refusal = readonly [name: string, input: string, code: string];

const REFUSALS: readonly Refusal[] = [
  ['file:', 'file:///etc/passwd', 'intake.scheme-refused'],
  ['javascript:', 'javascript:alert(1)', 'intake.scheme-refused'],
  ['JavaScript: in mixed case', 'JaVaScRiPt:alert(1)', 'intake.scheme-refused'],
  ['data:', 'data:text/html,<script>alert(1)</script>', 'intake.scheme-refused'],
  ['chrome:', 'chrome://settings', 'intake.scheme-refused'],
  ['about:', 'about:blank', 'intake.scheme-refused'],
  ['ftp:', 'ftp://example.com/file', 'intake.scheme-refused'],
  ['ws:', 'ws://example.com/', 'intake.scheme-refused'],
  ['view-source:', 'view-source:https://example.com/', 'intake.scheme-refused'],
  ['no scheme', 'example.com/page', 'intake.bad-url'],
  ['host and port without scheme', 'example.com:8080/x', 'intake.bad-url'],
  ['localhost:port without scheme', 'localhost:3000', 'intake.bad-url'],
  ['space in the host', 'http://exa mple.com/', 'intake.bad-url'],
  ['no host', 'https://', 'intake.bad-url'],
  ['only dots as host', 'https://../', 'intake.bad-url'],
  ['empty', '   ', 'intake.bad-url'],
  ['bad IPv4', 'http://256.1.1.1/', 'intake.bad-url'],
  ['bad IPv6', 'http://[::g]/', 'intake.bad-url'],
  ['credentials', 'https://user:secret@example.com/', 'intake.bad-url'],
  ['user name only', 'https://paypal.com@evil.example/', 'intake.bad-url'],
];

describe('normalizeUrl refusals', () => {
  it.each(REFUSALS)('%s', (_name, input, code) => {
    let caught: unknown;
    try {
      normalizeUrl(input);
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe(code);
  });

  it('refuses URLs over 8 KiB and accepts exactly 8 KiB', () => {
    const base = 'https://example.com/?q=';
    const exact = base + 'a'.repeat(MAX_URL_BYTES - base.length);
    expect(normalizeUrl(exact).url).toBe(exact);
    expect(() => normalizeUrl(`${exact}a`)).toThrow(expect.objectContaining({ code: 'intake.url-too-long' }));
  });

  it('counts bytes, not characters', () => {
    const base = 'https://example.com/?q=';
    // 3 bytes per character in UTF-8: fewer than 8192 characters, more than 8192 bytes.
    const url = base + '好'.repeat(3000);
    expect(url.length).toBeLessThan(MAX_URL_BYTES);
    expect(() => normalizeUrl(url)).toThrow(expect.objectContaining({ code: 'intake.url-too-long' }));
  });

  it('does not leak credentials into the error message', () => {
    expect(() => normalizeUrl('https://user:hunter2@example.com/')).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('hunter2') }),
    );
  });
});

describe('tracking parameters', () => {
  it('are matched by name, case-insensitively', () => {
    expect(isTrackingParam('utm_source')).toBe(true);
    expect(isTrackingParam('UTM_TERM')).toBe(true);
    expect(isTrackingParam('FBCLID')).toBe(true);
    expect(isTrackingParam('id')).toBe(false);
    expect(isTrackingParam('utm')).toBe(false);
  });

  it('stripping keeps other parts byte for byte', () => {
    expect(stripTrackingParams('?a=%2F&utm_x=1&b=c%20d&&e')).toBe('?a=%2F&b=c%20d&e');
    expect(stripTrackingParams('')).toBe('');
    expect(stripTrackingParams('?gclid=1')).toBe('');
  });
});
