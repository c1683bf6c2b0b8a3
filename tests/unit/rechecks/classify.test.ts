import { describe, expect, it } from 'vitest';
import { classifyRecheck } from '@core/rechecks/classify';
import type { LightFetchResult } from '@core/rechecks/classify';
import { contentHashes, domSha256, textSha256 } from '@core/rechecks/content-hashes';
import { loadRemovalPatterns, matchRemovalPhrase } from '@core/rechecks/removal-patterns';

const patterns = loadRemovalPatterns();
const REVIEWED_TEXT = 'Buy pills here\nFast delivery';
const REVIEWED_DOM = '<html><body><h1>Buy pills here</h1>\n  <p>Fast delivery</p></body></html>';
const reviewed = contentHashes(REVIEWED_TEXT, REVIEWED_DOM);

const fetched = (status: number | null, text: string, dom = `<p>${text}</p>`): LightFetchResult => ({
  status,
  finalUrl: status === null ? null : 'https://shop.example/p/1',
  text: status === null ? null : text,
  hashes: status === null ? null : contentHashes(text, dom),
  error: status === null ? 'net::ERR_CONNECTION_REFUSED' : null,
});

describe('re-check classification', () => {
  it('is still_there when the text is the reviewed text, whatever the status and whitespace', () => {
    expect(
      classifyRecheck(fetched(200, '  Buy pills here  Fast\u00a0delivery '), reviewed, patterns)
        .classification,
    ).toBe('still_there');
    // A 404 that still shows the content has not removed it.
    expect(classifyRecheck(fetched(404, REVIEWED_TEXT), reviewed, patterns).classification).toBe(
      'still_there',
    );
  });

  it('is still_there when only the DOM matches (scripts and comments do not count)', () => {
    const dom =
      '<html><body><!-- ad --><h1>Buy pills here</h1><script nonce="x">t=1</script><p>Fast delivery</p></body></html>';
    expect(classifyRecheck(fetched(200, 'other text', dom), reviewed, patterns).classification).toBe(
      'still_there',
    );
  });

  it('is removed on 404 and 410 and on a 200 "content unavailable" page in en, ar and ru', () => {
    expect(classifyRecheck(fetched(404, 'Not Found'), reviewed, patterns).classification).toBe('removed');
    expect(classifyRecheck(fetched(410, 'Gone'), reviewed, patterns).classification).toBe('removed');
    for (const text of [
      'Sorry! This content isn’t available right now',
      'عذراً، هذا المحتوى غير متاح حالياً',
      'Этот контент недоступен в вашей стране',
    ]) {
      const c = classifyRecheck(fetched(200, text), reviewed, patterns);
      expect(c.classification, text).toBe('removed');
      expect(c.reason).toMatch(/the page says/);
    }
  });

  it('is geo_blocked on 451, unreachable without an answer or on 5xx, changed otherwise', () => {
    expect(
      classifyRecheck(fetched(451, 'Unavailable For Legal Reasons'), reviewed, patterns).classification,
    ).toBe('geo_blocked');
    const none = classifyRecheck(fetched(null, ''), reviewed, patterns);
    expect(none).toEqual({ classification: 'unreachable', reason: 'net::ERR_CONNECTION_REFUSED' });
    expect(classifyRecheck(fetched(503, 'Maintenance'), reviewed, patterns).classification).toBe(
      'unreachable',
    );
    expect(
      classifyRecheck(fetched(200, 'Buy pills here, now cheaper'), reviewed, patterns).classification,
    ).toBe('changed');
  });

  it('hashes normalised text and DOM', () => {
    expect(textSha256('a \n b')).toBe(textSha256('a b'));
    expect(textSha256('a b')).not.toBe(textSha256('a c'));
    expect(domSha256('<p>x</p>\n<p>y</p>')).toBe(domSha256('<p>x</p><p>y</p>'));
    expect(matchRemovalPhrase(patterns, 'Welcome to the shop')).toBeNull();
  });
});
