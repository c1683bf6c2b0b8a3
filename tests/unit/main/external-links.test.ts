import { describe, expect, it } from 'vitest';
import { openExternalLink, parseExternalUrl } from '@main/external-links';

describe('external links', () => {
  it.each([
    ['https://example.org/path?q=1#x', 'https://example.org/path?q=1#x'],
    ['http://EXAMPLE.org', 'http://example.org/'],
    ['https://xn--80ak6aa92e.com/', 'https://xn--80ak6aa92e.com/'],
    ['https://пример.рф/', 'https://xn--e1afmkfd.xn--p1ai/'],
  ])('accepts %s as %s', (raw, href) => {
    expect(parseExternalUrl(raw)).toBe(href);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'app://vigil/index.html',
    'evidence://blob/' + '0'.repeat(64),
    'chrome://settings',
    'ms-settings:privacy',
    'smb://host/share',
    'mailto:someone@example.org',
    'https://user:secret@example.org/',
    'https://',
    'http//example.org',
    '/relative/path',
    'example.org',
    ' https://example.org/',
    'https://exa\nmple.org/',
    'java\tscript:alert(1)',
    '',
  ])('refuses %j', (raw) => {
    expect(parseExternalUrl(raw)).toBeNull();
  });

  it('refuses non-strings', () => {
    expect(parseExternalUrl(undefined)).toBeNull();
    expect(parseExternalUrl({ href: 'https://example.org/' })).toBeNull();
  });

  it('opens only after an explicit yes, and only the parsed URL', async () => {
    const opened: string[] = [];
    const asked: string[] = [];
    const deps = (answer: boolean) => ({
      confirm: (url: string) => {
        asked.push(url);
        return Promise.resolve(answer);
      },
      open: (url: string) => {
        opened.push(url);
        return Promise.resolve();
      },
    });
    await expect(openExternalLink('https://example.org', deps(false))).resolves.toBe('declined');
    expect(opened).toEqual([]);
    await expect(openExternalLink('javascript:alert(1)', deps(true))).resolves.toBe('refused');
    expect(asked).toEqual(['https://example.org/']);
    await expect(openExternalLink('https://example.org', deps(true))).resolves.toBe('opened');
    expect(opened).toEqual(['https://example.org/']);
  });
});
