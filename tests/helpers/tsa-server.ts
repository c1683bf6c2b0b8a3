import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { timestampResponseFromToken } from '@core/custody/tsa-client';

/**
 * A real RFC 3161 time-stamping authority for tests: OpenSSL's `ts -reply` signs every token with a
 * TSA certificate issued by its own root, created with the openssl CLI in a temp dir. The modes
 * other than 'ok' misbehave on purpose so that every check of the client can be shown to fire.
 */
export type TsaMode =
  | 'ok'
  /** A genuine OpenSSL rejection: this TSA is configured to accept SHA-512 imprints only. */
  | 'reject'
  /** HTTP 200 with the right content type and bytes that are not DER. */
  | 'garbage'
  /** A genuine token for other data (the imprint is replaced, the nonce kept). */
  | 'wrong-imprint'
  /** A genuine token for the right data with a different nonce. */
  | 'wrong-nonce'
  /** The token's signature bytes are altered after signing. */
  | 'bad-signature'
  /** A token signed by a certificate without id-kp-timeStamping (re-signed with `openssl cms`). */
  | 'no-eku'
  /** A valid reply sent as text/html. */
  | 'wrong-content-type'
  /** HTTP 503. */
  | 'http-error'
  /** Reads the request and never answers (the client's timeout must end it). */
  | 'hang';

export type TsaServer = Readonly<{
  url: string;
  caCertPem: string;
  tsaCertPem: string;
  caCertPath: string;
  tsaCertPath: string;
  chainPath: string;
  dir: string;
  policy: string;
  /** Requests answered so far (any mode). */
  requests: () => number;
  /** Time-stamp queries received in full so far, answered or not ('hang' answers none). */
  received: () => number;
  close(): Promise<void>;
}>;

export const TSA_POLICY = '1.3.6.1.4.1.99999.1.1';
const OPENSSL_TIMEOUT_MS = 15_000;
const MAX_QUERY_BYTES = 64 * 1024;

export type OpensslResult = { code: number; stdout: string; stderr: string };

/** Runs the openssl CLI (bounded) and reports its exit code instead of throwing on failure. */
export function openssl(
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'openssl',
      args,
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? OPENSSL_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`openssl ${args.join(' ')} failed to run: ${error.message}`));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

async function mustOpenssl(args: readonly string[], cwd: string): Promise<void> {
  const result = await openssl(args, { cwd });
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
}

const tsaSection = (name: string, digests: string) => `
[${name}]
dir = .
serial = ./serial
crypto_device = builtin
signer_cert = ./tsa.pem
certs = ./chain.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = ${TSA_POLICY}
other_policies = 1.3.6.1.4.1.99999.1.2
digests = ${digests}
accuracy = secs:1, millisecs:0, microsecs:0
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;

const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[tsa_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[plain_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[tsa]
default_tsa = tsa_ok
${tsaSection('tsa_ok', 'sha256, sha384, sha512')}
${tsaSection('tsa_sha512_only', 'sha512')}
`;

async function makeAuthority(dir: string): Promise<void> {
  await writeFile(join(dir, 'openssl.cnf'), CONFIG);
  await writeFile(join(dir, 'serial'), '01\n');
  const cfg = ['-config', 'openssl.cnf'];
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await mustOpenssl(
    [
      'req',
      ...cfg,
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '30',
      '-subj',
      '/O=Vigil Test/CN=Vigil Test TSA Root',
      '-extensions',
      'ca_ext',
    ],
    dir,
  );
  const issue = async (name: string, subject: string, ext: string) => {
    await mustOpenssl(
      ['req', ...cfg, '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
      dir,
    );
    await mustOpenssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        `0x${randomBytes(8).toString('hex').replace(/^./, '1')}`,
        '-days',
        '30',
        '-extfile',
        'openssl.cnf',
        '-extensions',
        ext,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
  };
  await issue('tsa', '/O=Vigil Test/CN=Vigil Test TSA', 'tsa_ext');
  await issue('plain', '/O=Vigil Test/CN=Vigil Test Not A TSA', 'plain_ext');
  await writeFile(join(dir, 'chain.pem'), await readFile(join(dir, 'ca.pem')));
}

/** `embedRoot: false`: tokens carry the TSA certificate only, not the root that issued it. */
export async function startTsaServer(opts: { mode?: TsaMode; embedRoot?: boolean } = {}): Promise<TsaServer> {
  const mode = opts.mode ?? 'ok';
  const dir = await mkdtemp(join(tmpdir(), 'vigil-tsa-'));
  await makeAuthority(dir);
  if (opts.embedRoot === false) await writeFile(join(dir, 'chain.pem'), await readFile(join(dir, 'tsa.pem')));
  let counter = 0;
  let answered = 0;
  let received = 0;
  // `openssl ts -reply` rewrites the serial file: one signing at a time keeps serials unique.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const sign = (query: Buffer, section: string): Promise<Buffer> =>
    serialized(async () => {
      const id = ++counter;
      const queryFile = join(dir, `q${id}.tsq`);
      const replyFile = join(dir, `r${id}.tsr`);
      await writeFile(queryFile, query);
      try {
        await mustOpenssl(
          [
            'ts',
            '-reply',
            '-config',
            'openssl.cnf',
            '-section',
            section,
            '-queryfile',
            queryFile,
            '-signer',
            'tsa.pem',
            '-inkey',
            'tsa.key',
            '-chain',
            'chain.pem',
            '-out',
            replyFile,
          ],
          dir,
        );
        return await readFile(replyFile);
      } finally {
        await Promise.all([
          unlink(queryFile).catch(() => undefined),
          unlink(replyFile).catch(() => undefined),
        ]);
      }
    });

  const resign = (reply: Buffer): Promise<Buffer> =>
    serialized(async () => {
      const id = ++counter;
      const contentFile = join(dir, `t${id}.der`);
      const cmsFile = join(dir, `t${id}.cms`);
      await writeFile(contentFile, tstInfoOf(reply));
      try {
        await mustOpenssl(
          [
            'cms',
            '-sign',
            '-binary',
            '-nodetach',
            '-econtent_type',
            '1.2.840.113549.1.9.16.1.4',
            '-md',
            'sha256',
            '-in',
            contentFile,
            '-signer',
            'plain.pem',
            '-inkey',
            'plain.key',
            '-certfile',
            'ca.pem',
            '-outform',
            'DER',
            '-out',
            cmsFile,
          ],
          dir,
        );
        return timestampResponseFromToken(await readFile(cmsFile));
      } finally {
        await Promise.all([
          unlink(contentFile).catch(() => undefined),
          unlink(cmsFile).catch(() => undefined),
        ]);
      }
    });

  const answer = async (query: Buffer): Promise<{ status: number; type: string; body: Buffer } | null> => {
    const reply = (body: Buffer, type = 'application/timestamp-reply') => ({ status: 200, type, body });
    switch (mode) {
      case 'ok':
        return reply(await sign(query, 'tsa_ok'));
      case 'reject':
        return reply(await sign(query, 'tsa_sha512_only'));
      case 'garbage':
        return reply(Buffer.concat([Buffer.from('not a time-stamp response '), randomBytes(64)]));
      case 'wrong-imprint':
        return reply(
          await sign(
            rewriteQuery(query, { imprint: createHash('sha256').update('other data').digest() }),
            'tsa_ok',
          ),
        );
      case 'wrong-nonce':
        return reply(
          await sign(rewriteQuery(query, { nonce: Buffer.from('1122334455667788', 'hex') }), 'tsa_ok'),
        );
      case 'bad-signature': {
        const good = await sign(query, 'tsa_ok');
        // The SignerInfo's signature is the last field of the DER: flipping its last byte keeps the
        // structure parseable and makes the ECDSA signature wrong.
        const bad = Buffer.from(good);
        bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0x01;
        return reply(bad);
      }
      case 'no-eku':
        return reply(await resign(await sign(query, 'tsa_ok')));
      case 'wrong-content-type':
        return reply(await sign(query, 'tsa_ok'), 'text/html');
      case 'http-error':
        return { status: 503, type: 'text/plain', body: Buffer.from('service unavailable') };
      case 'hang':
        return null;
    }
  };

  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_QUERY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/') {
        res.writeHead(404).end();
        return;
      }
      received += 1;
      answer(Buffer.concat(chunks)).then(
        (result) => {
          if (result === null) return;
          answered += 1;
          res.writeHead(result.status, { 'Content-Type': result.type, 'Content-Length': result.body.length });
          res.end(result.body);
        },
        (error: unknown) => {
          answered += 1;
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(error));
        },
      );
    });
  });
  server.requestTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const caCertPath = join(dir, 'ca.pem');
  const tsaCertPath = join(dir, 'tsa.pem');
  return {
    url: `http://127.0.0.1:${port}/`,
    caCertPem: await readFile(caCertPath, 'utf8'),
    tsaCertPem: await readFile(tsaCertPath, 'utf8'),
    caCertPath,
    tsaCertPath,
    chainPath: join(dir, 'chain.pem'),
    dir,
    policy: TSA_POLICY,
    requests: () => answered,
    received: () => received,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await queue;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A copy of a DER TimeStampReq with its imprint and/or nonce replaced. */
function rewriteQuery(query: Buffer, change: { imprint?: Buffer; nonce?: Buffer }): Buffer {
  const request = pkijs.TimeStampReq.fromBER(query);
  if (change.imprint) {
    request.messageImprint.hashedMessage = new asn1js.OctetString({ valueHex: change.imprint });
  }
  if (change.nonce) request.nonce = new asn1js.Integer({ valueHex: change.nonce });
  return Buffer.from(request.toSchema().toBER(false));
}

function tstInfoOf(reply: Buffer): Buffer {
  const response = pkijs.TimeStampResp.fromBER(reply);
  if (!response.timeStampToken) throw new Error('the OpenSSL reply holds no token');
  const signed = new pkijs.SignedData({ schema: response.timeStampToken.content });
  const eContent = signed.encapContentInfo.eContent;
  if (!eContent) throw new Error('the OpenSSL token holds no TSTInfo');
  return Buffer.from(eContent.getValue());
}
