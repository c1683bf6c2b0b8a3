import { rmSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { buildPacketHtml } from '@core/packet/packet-html';
import { PacketModel } from '@core/packet/packet-model';
import { makePacketModel, makeTempDir, writeCaptureFiles } from '@tests/helpers/packet-fixtures';

const dir = makeTempDir('vigil-packet-tls-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LEAF = 'a1'.repeat(32);
const IMAGES = 'b2'.repeat(32);

/** A packet of a capture whose certificate Chromium did not trust, with a second HTTPS origin. */
function html(language: 'en' | 'ar' | 'ru'): string {
  const input = makePacketModel({ language, files: writeCaptureFiles(dir, []), decided: true });
  const model = PacketModel.parse(input);
  const [capture] = model.captures;
  if (!capture) throw new Error('fixture has no capture');
  const untrusted = {
    ...capture,
    tls: {
      protocol: 'TLS 1.3',
      cipher: 'AES_128_GCM',
      subjectName: 'shop.example',
      issuer: 'shop.example',
      validFrom: '2025-01-01T00:00:00.000Z',
      validTo: '2025-02-01T00:00:00.000Z',
      sanList: ['shop.example'],
      sha256Fingerprint: LEAF,
      valid: false,
      error: 'net::ERR_CERT_AUTHORITY_INVALID: the certificate is expired',
      problems: ['expired' as const, 'self-signed' as const],
    },
    certificates: [
      {
        origin: 'https://shop.example',
        subjectName: 'shop.example',
        issuer: 'shop.example',
        validFrom: '2025-01-01T00:00:00.000Z',
        validTo: '2025-02-01T00:00:00.000Z',
        sha256Fingerprint: LEAF,
        valid: false,
        error: 'net::ERR_CERT_AUTHORITY_INVALID: the certificate is expired',
        problems: ['expired' as const],
        chainArtifact: 'certificate-chain.pem',
        chainSource: 'browser' as const,
      },
      {
        origin: 'https://img.example',
        subjectName: 'img.example',
        issuer: 'Some CA',
        validFrom: '2025-01-01T00:00:00.000Z',
        validTo: '2027-01-01T00:00:00.000Z',
        sha256Fingerprint: IMAGES,
        valid: true,
        problems: [],
        chainArtifact: 'certificate-chain-01-img.example.pem',
        chainSource: 'handshake' as const,
      },
    ],
  };
  return buildPacketHtml({
    model: { ...model, captures: [untrusted] },
    slices: [],
    fontCss: '',
    generatedAt: new Date('2026-11-22T10:00:00.000Z'),
    signer: null,
  });
}

describe('the packet TLS section', () => {
  test.each([
    ['en', 'NOT trusted — the page was captured despite the certificate error'],
    ['ar', 'غير موثوقة — التُقطت الصفحة رغم خطأ الشهادة'],
    ['ru', 'НЕ доверенный — страница сохранена, несмотря на ошибку сертификата'],
  ] as const)(
    'says in %s that the certificate was not trusted, which error, and lists every origin',
    (lang, line) => {
      const out = html(lang);
      expect(out).toContain(line);
      expect(out).toContain('net::ERR_CERT_AUTHORITY_INVALID: the certificate is expired');
      expect(out).toContain('https://img.example');
      expect(out).toContain(IMAGES);
    },
  );
});
