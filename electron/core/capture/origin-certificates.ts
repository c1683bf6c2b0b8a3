import { X509Certificate, createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { connect } from 'node:tls';
import type { DetailedPeerCertificate } from 'node:tls';
import type { CertificateProblem } from './certificate-check';
import type { CaptureRun } from './capture-run';
import type { RecordedExchange } from './network-recorder';
import { readChain, toPem, verdict } from './tls-info';
import type { TlsInfo } from './tls-info';

/** The certificate one HTTPS origin of the page presented (the main document's origin included). */
export type OriginCertificate = Readonly<{
  origin: string;
  subjectName: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Lowercase hex SHA-256 of the leaf's DER; null when the browser would not give the chain. */
  sha256Fingerprint: string | null;
  valid: boolean;
  error?: string;
  problems: readonly CertificateProblem[];
  /** The name of the PEM chain artifact of this origin, when the chain was given. */
  chainArtifact: string | null;
  /**
   * Where the chain came from: `browser` (what Chromium kept for the connection), `handshake` (a
   * TLS handshake of Vigil's own with the same server address after the load, kept only when its
   * leaf matches what the browser reported), or null when there is none.
   */
  chainSource: 'browser' | 'handshake' | null;
}>;

/** Chromium's per-response verdicts that mean the connection's certificate was not trusted. */
const INSECURE_STATES = new Set(['insecure', 'insecure-broken']);

/**
 * Every HTTPS origin the page loaded from, in the order the page first asked for it, with the chain
 * the browser kept for it (`Network.getCertificate`) and its own chain file. The main document's
 * origin reuses what the archive stage already read (`tls`, `certificate-chain.pem`).
 */
export async function collectOriginCertificates(
  run: CaptureRun,
  exchanges: readonly RecordedExchange[],
  main: Readonly<{ url: string; tls: TlsInfo | null }> | null,
  deadline: number,
): Promise<OriginCertificate[]> {
  const firstByOrigin = new Map<string, RecordedExchange>();
  for (const ex of exchanges) {
    if (!ex.response?.securityDetails || !ex.url.startsWith('https:')) continue;
    const origin = new URL(ex.url).origin;
    if (!firstByOrigin.has(origin)) firstByOrigin.set(origin, ex);
  }
  const mainOrigin = main ? new URL(main.url).origin : null;
  const entries = [...firstByOrigin.entries()];
  // The chains are read side by side (each bounded by the deadline), then written in page order.
  const chains = await Promise.all(
    entries.map(([origin, ex]) =>
      origin === mainOrigin && main?.tls ? Promise.resolve(null) : chainOf(run, ex, deadline),
    ),
  );
  const out: OriginCertificate[] = [];
  let n = 0;
  for (const [i, [origin, ex]] of entries.entries()) {
    const details = ex.response?.securityDetails;
    if (!details) continue;
    const base = {
      origin,
      subjectName: details.subjectName,
      issuer: details.issuer,
      validFrom: new Date(details.validFrom * 1000).toISOString(),
      validTo: new Date(details.validTo * 1000).toISOString(),
    };
    const read = chains[i];
    if (!read) {
      const tls = main?.tls;
      if (!tls) continue;
      out.push({
        ...base,
        sha256Fingerprint: tls.sha256Fingerprint,
        valid: tls.valid,
        ...(tls.error ? { error: tls.error } : {}),
        problems: tls.problems,
        chainArtifact: tls.chainPem ? 'certificate-chain.pem' : null,
        chainSource: tls.chainPem ? 'browser' : null,
      });
      continue;
    }
    const { chain, chainSource } = read;
    const state = ex.response?.securityState ?? null;
    const browserError =
      state !== null && INSECURE_STATES.has(state) ? `Chromium marked the connection ${state}` : null;
    n += 1;
    const method =
      chainSource === 'browser'
        ? 'Network.getCertificate (PEM chain as presented by the server)'
        : `TLS handshake by Vigil with ${ex.response?.remoteAddress ?? ''}:${ex.response?.remotePort ?? ''} after the load; leaf matched to the browser's securityDetails`;
    const chainArtifact = chain.length > 0 ? await writeChain(run, n, origin, chain, method) : null;
    const leaf = chain[0];
    out.push({
      ...base,
      sha256Fingerprint: leaf ? createHash('sha256').update(leaf).digest('hex') : null,
      ...verdict(chain, ex.url, browserError, run.startedAt),
      chainArtifact,
      chainSource,
    });
  }
  return out;
}

async function writeChain(
  run: CaptureRun,
  n: number,
  origin: string,
  chain: readonly Buffer[],
  method: string,
): Promise<string> {
  const host = new URL(origin).host.replace(/[^A-Za-z0-9.-]+/g, '_');
  const name = `certificate-chain-${String(n).padStart(2, '0')}-${host}.pem`;
  const file = path.join(run.opts.workDir, name);
  await writeFile(file, chain.map(toPem).join(''), { flag: 'wx' });
  run.artifacts.push({
    kind: 'certificate',
    name,
    mediaType: 'application/x-pem-file',
    file,
    derivedFrom: [`network:tls ${origin}`],
    method,
  });
  return name;
}

/**
 * Chromium keeps the DER chain of the main frame's document only (`Network.getCertificate` has
 * nothing for an image's origin). For other origins Vigil shakes hands with the server address the
 * browser used, under the same server name, and keeps the chain only when its leaf is the one the
 * browser reported (subject, issuer and validity agree). Never through a direct connection when
 * the profile has a proxy: that would leave from another address than the capture.
 */
async function chainOf(
  run: CaptureRun,
  ex: RecordedExchange,
  deadline: number,
): Promise<Readonly<{ chain: Buffer[]; chainSource: 'browser' | 'handshake' | null }>> {
  const fromBrowser = run.session ? await readChain(run.session, ex.url, deadline) : [];
  if (fromBrowser.length > 0) return { chain: fromBrowser, chainSource: 'browser' };
  const response = ex.response;
  const details = response?.securityDetails;
  if (run.opts.profile.proxy !== null || !response?.remoteAddress || !response.remotePort || !details) {
    return { chain: [], chainSource: null };
  }
  const host = new URL(ex.url).hostname.replace(/^\[|\]$/g, '');
  const chain = await handshakeChain(response.remoteAddress, response.remotePort, host, deadline);
  const leaf = chain[0] ? new X509Certificate(chain[0]) : null;
  const same =
    leaf !== null &&
    Math.floor(Date.parse(leaf.validTo) / 1000) === Math.floor(details.validTo) &&
    Math.floor(Date.parse(leaf.validFrom) / 1000) === Math.floor(details.validFrom) &&
    leaf.subject.split('\n').includes(`CN=${details.subjectName}`);
  return same ? { chain, chainSource: 'handshake' } : { chain: [], chainSource: null };
}

/** The peer chain of one TLS handshake (leaf first), or empty on any error or at the deadline. */
function handshakeChain(address: string, port: number, host: string, deadline: number): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const socket = connect({
      host: address.replace(/^\[|\]$/g, ''),
      port,
      ...(isIP(host) ? {} : { servername: host }),
      // The point is to read what the server presents, trusted or not; nothing is sent over it.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => done([]), Math.max(0, Math.min(deadline - Date.now(), 5_000)));
    const done = (chain: Buffer[]): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chain);
    };
    socket.once('error', () => done([]));
    socket.once('secureConnect', () => {
      const chain: Buffer[] = [];
      let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      while (cert?.raw && !chain.some((c) => c.equals(cert?.raw ?? Buffer.alloc(0)))) {
        chain.push(cert.raw);
        cert = cert.issuerCertificate;
      }
      done(chain);
    });
  });
}
