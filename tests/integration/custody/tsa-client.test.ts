import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inspectTimestampToken,
  requestTimestamp,
  timestampResponseFromToken,
  verifyTimestampToken,
} from '@core/custody/tsa-client';
import type { TimestampGrant } from '@core/custody/tsa-client';
import { buildTimestampRequest } from '@core/custody/tsa-request';
import { createLocalCa } from '@core/custody/x509';
import { TSA_POLICY, openssl, startTsaServer } from '@tests/helpers/tsa-server';
import type { TsaMode, TsaServer } from '@tests/helpers/tsa-server';

const DATA = Buffer.from('SHA256SUMS of a court bundle\n');
const SHA = createHash('sha256').update(DATA).digest();
const OTHER = Buffer.from('some other bundle\n');
const OTHER_SHA = createHash('sha256').update(OTHER).digest();

let dir: string;
let tsa: TsaServer;
let grant: TimestampGrant;
let requestedAt: number;
let answeredAt: number;

const write = async (name: string, data: string | Buffer) => {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
};

const codeOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error !== null && typeof error === 'object' && 'code' in error ? error.code : error),
  );

/** One POST of raw bytes, for requests the client itself would refuse to build. */
function postRaw(url: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: 20_000,
        headers: { 'Content-Type': 'application/timestamp-query' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-tsa-client-'));
  tsa = await startTsaServer();
  requestedAt = Date.now();
  grant = await requestTimestamp({ url: tsa.url, sha256: SHA, timeoutMs: 20_000 });
  answeredAt = Date.now();
  await write('token.der', grant.token);
  await write('data.bin', DATA);
  await write('other.bin', OTHER);
});

afterAll(async () => {
  await tsa.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a granted time-stamp', () => {
  it('describes the token', () => {
    expect(grant.genTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // OpenSSL stamps with millisecond precision and accuracy 1 s.
    const genTime = Date.parse(grant.genTime);
    expect(genTime).toBeGreaterThanOrEqual(requestedAt - 1000);
    expect(genTime).toBeLessThanOrEqual(answeredAt + 1000);
    expect(grant.policy).toBe(TSA_POLICY);
    expect(grant.tsaName).toBe('O=Vigil Test, CN=Vigil Test TSA');
    expect(grant.serialHex).toMatch(/^[0-9a-f]+$/);
    expect(grant.certificatesPem).toContain(tsa.tsaCertPem);
    expect(grant.certificatesPem).toContain(tsa.caCertPem);
    // A bare ContentInfo whose content type is id-signedData.
    const contentInfo = pkijs.ContentInfo.fromBER(grant.token);
    expect(contentInfo.contentType).toBe('1.2.840.113549.1.7.2');
  });

  it('verifies with openssl ts -verify as a bare token (-token_in)', async () => {
    const tokenPath = join(dir, 'token.der');
    const byDigest = await openssl([
      'ts',
      '-verify',
      '-digest',
      SHA.toString('hex'),
      '-in',
      tokenPath,
      '-token_in',
      '-CAfile',
      tsa.caCertPath,
      '-untrusted',
      tsa.tsaCertPath,
    ]);
    expect(byDigest.stdout + byDigest.stderr).toContain('Verification: OK');
    expect(byDigest.code).toBe(0);

    const byData = await openssl([
      'ts',
      '-verify',
      '-data',
      join(dir, 'data.bin'),
      '-in',
      tokenPath,
      '-token_in',
      '-CAfile',
      tsa.caCertPath,
      '-untrusted',
      tsa.tsaCertPath,
    ]);
    expect(byData.stdout + byData.stderr).toContain('Verification: OK');

    // Without -token_in openssl expects a TimeStampResp and cannot read a bare token.
    const asResponse = await openssl([
      'ts',
      '-verify',
      '-digest',
      SHA.toString('hex'),
      '-in',
      tokenPath,
      '-CAfile',
      tsa.caCertPath,
    ]);
    expect(asResponse.code).not.toBe(0);
  });

  it('verifies with openssl ts -verify as a .tsr once wrapped as a TimeStampResp', async () => {
    const tsr = timestampResponseFromToken(grant.token);
    const tsrPath = await write('token.tsr', tsr);
    const result = await openssl([
      'ts',
      '-verify',
      '-data',
      join(dir, 'data.bin'),
      '-in',
      tsrPath,
      '-CAfile',
      tsa.caCertPath,
      '-untrusted',
      tsa.tsaCertPath,
    ]);
    expect(result.stdout + result.stderr).toContain('Verification: OK');
    expect(result.code).toBe(0);
    // The token inside is byte for byte the one the TSA sent.
    expect(tsr.subarray(tsr.length - grant.token.length).equals(grant.token)).toBe(true);
    expect(verifyTimestampToken(tsr, SHA, [tsa.caCertPem]).serialHex).toBe(grant.serialHex);
  });

  it('is rejected for other data by openssl and by inspectTimestampToken', async () => {
    const tokenPath = join(dir, 'token.der');
    const result = await openssl([
      'ts',
      '-verify',
      '-digest',
      OTHER_SHA.toString('hex'),
      '-in',
      tokenPath,
      '-token_in',
      '-CAfile',
      tsa.caCertPath,
      '-untrusted',
      tsa.tsaCertPath,
    ]);
    expect(result.stdout + result.stderr).toContain('Verification: FAILED');
    expect(result.stdout + result.stderr).toContain('message imprint mismatch');
    expect(result.code).not.toBe(0);

    expect(() => inspectTimestampToken(grant.token, OTHER_SHA)).toThrow(
      expect.objectContaining({ code: 'tsa.imprint-mismatch' }),
    );
    expect(() => verifyTimestampToken(grant.token, OTHER_SHA)).toThrow(
      expect.objectContaining({ code: 'tsa.imprint-mismatch' }),
    );
  });

  it('reads back from storage with the same facts', () => {
    const info = inspectTimestampToken(grant.token, SHA);
    expect(info).toMatchObject({
      genTime: grant.genTime,
      serialHex: grant.serialHex,
      policy: grant.policy,
      tsaName: grant.tsaName,
      hashAlgorithm: '2.16.840.1.101.3.4.2.1',
      imprintHex: SHA.toString('hex'),
      certificatesPem: grant.certificatesPem,
    });
    expect(info.nonceHex).toMatch(/^[0-7][0-9a-f]{15}$/);
    expect(inspectTimestampToken(grant.token).imprintHex).toBe(SHA.toString('hex'));
  });

  it('verifies offline against the TSA root and not against another root', async () => {
    expect(verifyTimestampToken(grant.token, SHA, [tsa.caCertPem]).genTime).toBe(grant.genTime);
    expect(verifyTimestampToken(grant.token, SHA).serialHex).toBe(grant.serialHex);
    const stranger = await createLocalCa({ commonName: 'Stranger', now: new Date(), validityDays: 10 });
    expect(() => verifyTimestampToken(grant.token, SHA, [stranger.certPem])).toThrow(
      expect.objectContaining({ code: 'tsa.bad-certificate' }),
    );
  });

  it('refuses a stored token whose signature was altered', () => {
    const tampered = Buffer.from(grant.token);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x01;
    expect(() => verifyTimestampToken(tampered, SHA, [tsa.caCertPem])).toThrow(
      expect.objectContaining({ code: 'tsa.bad-certificate' }),
    );
    // Reading without verifying still works: the facts are there, only the proof is broken.
    expect(inspectTimestampToken(tampered, SHA).serialHex).toBe(grant.serialHex);
    expect(() => inspectTimestampToken(Buffer.from('garbage'))).toThrow(
      expect.objectContaining({ code: 'tsa.bad-response' }),
    );
  });

  it('reads and verifies a TimeStampResp made entirely by the openssl CLI', async () => {
    const queryPath = join(dir, 'cli.tsq');
    const replyPath = join(dir, 'cli.tsr');
    const query = await openssl([
      'ts',
      '-query',
      '-data',
      join(dir, 'data.bin'),
      '-sha256',
      '-cert',
      '-out',
      queryPath,
    ]);
    expect(query.code, query.stderr).toBe(0);
    const reply = await openssl(
      [
        'ts',
        '-reply',
        '-config',
        'openssl.cnf',
        '-section',
        'tsa_ok',
        '-queryfile',
        queryPath,
        '-signer',
        'tsa.pem',
        '-inkey',
        'tsa.key',
        '-chain',
        'chain.pem',
        '-out',
        replyPath,
      ],
      { cwd: tsa.dir },
    );
    expect(reply.code, reply.stderr).toBe(0);
    const tsr = await readFile(replyPath);
    const info = verifyTimestampToken(tsr, SHA, [tsa.caCertPem]);
    expect(info.policy).toBe(TSA_POLICY);
    expect(() => verifyTimestampToken(tsr, OTHER_SHA)).toThrow(
      expect.objectContaining({ code: 'tsa.imprint-mismatch' }),
    );
  });
});

describe('replies the client must refuse', () => {
  const cases: [TsaMode, string][] = [
    ['reject', 'tsa.rejected'],
    ['garbage', 'tsa.bad-response'],
    ['wrong-content-type', 'tsa.bad-response'],
    ['wrong-imprint', 'tsa.imprint-mismatch'],
    ['wrong-nonce', 'tsa.nonce-mismatch'],
    ['bad-signature', 'tsa.bad-certificate'],
    ['no-eku', 'tsa.bad-certificate'],
    ['http-error', 'tsa.unreachable'],
  ];
  for (const [mode, code] of cases) {
    it(`'${mode}' → ${code}`, async () => {
      const server = await startTsaServer({ mode });
      try {
        expect(await codeOf(requestTimestamp({ url: server.url, sha256: SHA, timeoutMs: 20_000 }))).toBe(
          code,
        );
        expect(server.requests()).toBe(1);
      } finally {
        await server.close();
      }
    });
  }

  it('reports the rejection text and failure bits', async () => {
    const server = await startTsaServer({ mode: 'reject' });
    try {
      const error: unknown = await requestTimestamp({
        url: server.url,
        sha256: SHA,
        timeoutMs: 20_000,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'tsa.rejected',
        details: {
          status: 2,
          statusText: 'Message digest algorithm is not supported.',
          failInfo: ['badAlg'],
        },
      });
    } finally {
      await server.close();
    }
  });

  it('gives up on a TSA that never answers, within the timeout', async () => {
    const server = await startTsaServer({ mode: 'hang' });
    try {
      const started = Date.now();
      expect(await codeOf(requestTimestamp({ url: server.url, sha256: SHA, timeoutMs: 300 }))).toBe(
        'tsa.unreachable',
      );
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });

  it('reports a refused connection as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(
      await codeOf(requestTimestamp({ url: `http://127.0.0.1:${port}/`, sha256: SHA, timeoutMs: 5_000 })),
    ).toBe('tsa.unreachable');
  });

  it('refuses bad input before sending anything', async () => {
    expect(await codeOf(requestTimestamp({ url: 'ftp://127.0.0.1/', sha256: SHA, timeoutMs: 1000 }))).toBe(
      'input.invalid',
    );
    expect(await codeOf(requestTimestamp({ url: tsa.url, sha256: SHA.subarray(1), timeoutMs: 1000 }))).toBe(
      'input.invalid',
    );
    expect(
      await codeOf(
        requestTimestamp({ url: tsa.url, sha256: SHA, timeoutMs: 1000, nonce: Buffer.from('00aa', 'hex') }),
      ),
    ).toBe('input.invalid');
  });
});

describe('nonces', () => {
  it('OpenSSL rejects a nonce with a leading zero byte (why the first byte is 0x01–0x7f)', async () => {
    const good = buildTimestampRequest(SHA, Buffer.from('0102030405060708', 'hex'));
    const request = pkijs.TimeStampReq.fromBER(good);
    // A non-minimal INTEGER: 0x00 followed by a byte below 0x80.
    request.nonce = new asn1js.Integer({ valueHex: Buffer.from('0012345678abcdef', 'hex') });
    const badQuery = Buffer.from(request.toSchema().toBER(false));
    const reply = pkijs.TimeStampResp.fromBER(await postRaw(tsa.url, badQuery));
    expect(reply.status.status).toBe(pkijs.PKIStatus.rejection);
    const goodReply = pkijs.TimeStampResp.fromBER(await postRaw(tsa.url, good));
    expect(goodReply.status.status).toBe(pkijs.PKIStatus.granted);
  });

  it('300 sequential requests are all granted with their own nonce', async () => {
    const count = 300;
    const nonces = new Set<string>();
    const failures: unknown[] = [];
    const started = performance.now();
    for (let i = 0; i < count; i += 1) {
      const digest = createHash('sha256').update(`item ${i}`).digest();
      try {
        const granted = await requestTimestamp({ url: tsa.url, sha256: digest, timeoutMs: 20_000 });
        const nonce = inspectTimestampToken(granted.token, digest).nonceHex ?? '';
        expect(nonce).toMatch(/^[0-7][0-9a-f]{15}$/);
        expect(nonce.slice(0, 2)).not.toBe('00');
        nonces.add(nonce);
      } catch (error) {
        failures.push(error);
      }
    }
    const elapsedMs = performance.now() - started;
    console.info(
      `${count} RFC 3161 requests in ${Math.round(elapsedMs)} ms (${(elapsedMs / count).toFixed(1)} ms each)`,
    );
    expect(failures).toEqual([]);
    expect(nonces.size).toBe(count);
  }, 180_000);
});
