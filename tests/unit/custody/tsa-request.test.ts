import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { buildTimestampRequest, randomNonce } from '@core/custody/tsa-request';

const SHA = createHash('sha256').update('manifest').digest();

describe('randomNonce', () => {
  it('always starts with 0x01–0x7f, so the DER INTEGER is positive and minimal', () => {
    const firstBytes = new Set<number>();
    for (let i = 0; i < 5_000; i += 1) {
      const nonce = randomNonce();
      expect(nonce).toHaveLength(8);
      const first = nonce[0] ?? 0;
      expect(first).toBeGreaterThanOrEqual(0x01);
      expect(first).toBeLessThanOrEqual(0x7f);
      firstBytes.add(first);
    }
    // Every allowed first byte shows up: the nonce keeps its randomness.
    expect(firstBytes.size).toBe(0x7f);
  });
});

describe('buildTimestampRequest', () => {
  it('encodes a v1 request with a SHA-256 imprint, the nonce and certReq', () => {
    const nonce = Buffer.from('0a0b0c0d0e0f1011', 'hex');
    const request = pkijs.TimeStampReq.fromBER(buildTimestampRequest(SHA, nonce));
    expect(request.version).toBe(1);
    expect(request.certReq).toBe(true);
    expect(request.messageImprint.hashAlgorithm.algorithmId).toBe('2.16.840.1.101.3.4.2.1');
    expect(request.messageImprint.hashAlgorithm.algorithmParams).toBeUndefined();
    expect(Buffer.from(request.messageImprint.hashedMessage.valueBlock.valueHexView).equals(SHA)).toBe(true);
    expect(Buffer.from(request.nonce?.valueBlock.valueHexView ?? []).toString('hex')).toBe(
      '0a0b0c0d0e0f1011',
    );
    expect(request.reqPolicy).toBeUndefined();
  });

  it('refuses digests that are not 32 bytes and nonces DER or OpenSSL would misread', () => {
    const nonce = randomNonce();
    expect(() => buildTimestampRequest(SHA.subarray(0, 31), nonce)).toThrow(
      expect.objectContaining({ code: 'input.invalid' }),
    );
    for (const bad of ['00112233', '80112233', 'ff', '']) {
      expect(() => buildTimestampRequest(SHA, Buffer.from(bad, 'hex'))).toThrow(
        expect.objectContaining({ code: 'input.invalid' }),
      );
    }
  });
});
