import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  exactHashes,
  isMedia,
  sniffMedia,
  startWithholding,
  type MediaPolicy,
  type WithheldItem,
} from '@core/capture/media-withholding';
import { stripDataMedia } from '@core/capture/media-placeholders';
import type { RecordedExchange } from '@core/capture/network-recorder';
import { encodePng } from '@core/capture/png-rows';

const png = encodePng(2, 2, 2, Buffer.from([0, 255, 0, 255, 0, 255, 0, 0, 255, 0, 255, 0, 255, 0]));

function exchange(url: string, contentType: string, body: Buffer): RecordedExchange {
  return {
    requestId: url,
    hop: 0,
    url,
    method: 'GET',
    resourceType: 'Image',
    frameId: null,
    loaderId: 'l',
    requestHeaders: {},
    postData: null,
    wallTime: new Date(0),
    response: {
      status: 200,
      statusText: 'OK',
      headers: { 'Content-Type': contentType },
      mimeType: contentType,
      remoteAddress: null,
      remotePort: null,
      protocol: null,
      securityDetails: null,
      securityState: null,
      fromCache: false,
    },
    body,
    truncated: null,
    redirectedTo: null,
    failed: null,
    finished: true,
    // The session is never used by the withholding code.
    session: undefined as never,
  };
}

const policy = (over: Partial<MediaPolicy> = {}): MediaPolicy => ({
  restricted: false,
  hash: exactHashes,
  matcher: null,
  sink: { keep: () => Promise.resolve() },
  screenshots: 'placeholders',
  ...over,
});

describe('media sniffing', () => {
  it('knows media by their first bytes whatever the header says', () => {
    expect(sniffMedia(png)).toBe('image');
    expect(sniffMedia(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]))).toBe('image');
    expect(sniffMedia(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0]))).toBe('video');
    expect(sniffMedia(Buffer.from('OggS\0\0'))).toBe('audio');
    expect(sniffMedia(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBe('image');
    expect(sniffMedia(Buffer.from('<!doctype html><p>text</p>'))).toBeNull();
    expect(isMedia('text/plain', png)).toBe(true);
    expect(isMedia('image/webp', Buffer.from('x'))).toBe(true);
    expect(isMedia('text/css', Buffer.from('body{}'))).toBe(false);
  });

  it('cuts data: media out of a DOM and keeps the rest', () => {
    const html = `<img src="data:image/png;base64,${png.toString('base64')}"><p>kept</p>`;
    const out = stripDataMedia(html);
    expect(out).not.toContain(png.toString('base64'));
    expect(out).toContain('data:image/withheld,');
    expect(out).toContain('<p>kept</p>');
  });
});

describe('withholding', () => {
  it('drops every medium of a restricted capture, lists it with its hashes, and hands it to the sink', async () => {
    const kept: WithheldItem[] = [];
    const w = startWithholding(
      policy({ restricted: true, sink: { keep: (_b, _h, item) => Promise.resolve(void kept.push(item)) } }),
    );
    const lying = exchange('http://x/a.txt', 'text/plain', png);
    const css = exchange('http://x/s.css', 'text/css', Buffer.from('body{}'));
    await w.screen([lying, css]);
    expect(lying.body?.length).toBe(0);
    expect(lying.withheld?.sha256).toBe(createHash('sha256').update(png).digest('hex'));
    expect(lying.withheld?.md5).toBe(createHash('md5').update(png).digest('hex'));
    expect(css.body?.toString()).toBe('body{}');
    expect(w.withheld.map((x) => [x.url, x.reason])).toEqual([['http://x/a.txt', 'suspected_csam']]);
    expect(kept).toHaveLength(1);
    // A body read again after the drop is dropped again.
    lying.body = Buffer.from(png);
    await w.screen([lying]);
    expect(lying.body.length).toBe(0);
    expect(w.withheld).toHaveLength(1);
  });

  it('keeps media of an ordinary capture untouched, and turns restricted at the first list match', async () => {
    const other = encodePng(1, 1, 0, Buffer.from([0, 7]));
    const listed = createHash('sha256').update(png).digest('hex');
    const w = startWithholding(
      policy({
        matcher: {
          match: (h) => (h.sha256 === listed ? { list: 'L', label: 'known', how: 'sha256' } : null),
        },
      }),
    );
    const first = exchange('http://x/1.png', 'image/png', other);
    const hit = exchange('http://x/2.png', 'image/png', png);
    const after = exchange('http://x/3.png', 'image/png', Buffer.concat([other, Buffer.from([1])]));
    await w.screen([first]);
    expect(w.restricted()).toBe(false);
    expect(first.body?.length).toBe(other.length);
    await w.screen([first, hit, after]);
    expect(w.restricted()).toBe(true);
    expect(w.firstMatch()?.url).toBe('http://x/2.png');
    expect(hit.withheld?.reason).toBe('known-hash');
    expect(after.withheld?.reason).toBe('suspected_csam');
    expect(hit.body?.length).toBe(0);
  });

  it('does not hash anything when the capture is ordinary and no list is imported', async () => {
    let calls = 0;
    const w = startWithholding(policy({ hash: (b, t) => (calls++, exactHashes(b, t)) }));
    await w.screen([exchange('http://x/1.png', 'image/png', png)]);
    expect(calls).toBe(0);
  });
});
