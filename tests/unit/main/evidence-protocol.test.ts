import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  evidenceUrlOf,
  parseEvidenceUrl,
  serveEvidenceRequest,
  type EvidenceDeps,
} from '@main/evidence-protocol';

const SHA = '0123456789abcdef'.repeat(4);
const BODY = Buffer.from('\x89PNG fake bytes');

function deps(
  over: Partial<EvidenceDeps> & { signedIn?: () => boolean } = {},
): EvidenceDeps & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    signedIn: () => true,
    lookup: (sha) =>
      Promise.resolve(sha === SHA ? { bytes: BODY.length, mediaType: 'image/png', packet: false } : null),
    open: (sha) => {
      opened.push(sha);
      return Readable.from([BODY]);
    },
    ...over,
  };
}

describe('evidence:// URL parsing', () => {
  it('accepts exactly evidence://blob/<64 lowercase hex>', () => {
    expect(parseEvidenceUrl(`evidence://blob/${SHA}`)).toBe(SHA);
    expect(parseEvidenceUrl(evidenceUrlOf(SHA))).toBe(SHA);
  });

  it.each([
    `evidence://blob/${SHA.toUpperCase()}`,
    `evidence://blob/${SHA.slice(1)}`,
    `evidence://blob/${SHA}0`,
    `evidence://blob/${SHA}/`,
    `evidence://blob/${SHA}?download=1`,
    `evidence://blob/${SHA}#x`,
    `evidence://blob/${SHA.slice(0, 63)}g`,
    `evidence://blob/../${SHA}x`,
    `evidence://blob/%2e%2e%2f${SHA}`,
    `evidence://other/${SHA}`,
    `evidence://blob:80/${SHA}`,
    `evidence://u:p@blob/${SHA}`,
    `evidence://blob/ab/cd/${SHA}`,
    `app://blob/${SHA}`,
    `https://blob/${SHA}`,
    'evidence://blob/',
    'evidence://blob/sha256:abc',
    'garbage',
  ])('refuses %s', (url) => {
    expect(parseEvidenceUrl(url)).toBeNull();
  });
});

describe('evidence:// handler', () => {
  it('streams a known blob to a signed-in window, sandboxed and unsniffed', async () => {
    const d = deps();
    const res = await serveEvidenceRequest({ url: `evidence://blob/${SHA}`, method: 'GET' }, d);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe('sandbox');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe(String(BODY.length));
    expect(Buffer.from(await res.arrayBuffer())).toEqual(BODY);
    expect(d.opened).toEqual([SHA]);
  });

  it('refuses a window that is not signed in, before touching the store', async () => {
    const d = deps({ signedIn: () => false });
    const res = await serveEvidenceRequest({ url: `evidence://blob/${SHA}`, method: 'GET' }, d);
    expect(res.status).toBe(401);
    expect(d.opened).toEqual([]);
  });

  it('refuses blobs the database does not know, even if a file might exist', async () => {
    const d = deps();
    const res = await serveEvidenceRequest({ url: `evidence://blob/${'f'.repeat(64)}`, method: 'GET' }, d);
    expect(res.status).toBe(404);
    expect(d.opened).toEqual([]);
  });

  it('is read-only and refuses malformed URLs', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect((await serveEvidenceRequest({ url: `evidence://blob/${SHA}`, method }, deps())).status).toBe(
        405,
      );
    }
    expect(
      (await serveEvidenceRequest({ url: 'evidence://blob/..%2fvigil.db', method: 'GET' }, deps())).status,
    ).toBe(400);
  });

  it('answers HEAD without opening the blob', async () => {
    const d = deps();
    const res = await serveEvidenceRequest({ url: `evidence://blob/${SHA}`, method: 'HEAD' }, d);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(BODY.length));
    expect(d.opened).toEqual([]);
  });

  it('never puts an odd stored media type into the header', async () => {
    const odd = deps({
      lookup: () =>
        Promise.resolve({ bytes: BODY.length, mediaType: 'text/html\r\nSet-Cookie: x=1', packet: false }),
    });
    const res = await serveEvidenceRequest({ url: `evidence://blob/${SHA}`, method: 'GET' }, odd);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const none = deps({
      lookup: () => Promise.resolve({ bytes: BODY.length, mediaType: null, packet: false }),
    });
    expect(
      (await serveEvidenceRequest({ url: `evidence://blob/${SHA}`, method: 'GET' }, none)).headers.get(
        'content-type',
      ),
    ).toBe('application/octet-stream');
  });

  it('keeps captured artifacts sandboxed, and gives a review packet the packet policy instead', async () => {
    const captured = await serveEvidenceRequest({ url: `evidence://blob/${SHA}`, method: 'GET' }, deps());
    expect(captured.headers.get('content-security-policy')).toBe('sandbox');
    const packet = deps({
      lookup: () => Promise.resolve({ bytes: BODY.length, mediaType: 'application/pdf', packet: true }),
    });
    const res = await serveEvidenceRequest({ url: `evidence://blob/${SHA}`, method: 'GET' }, packet);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
