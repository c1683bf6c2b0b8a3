import { X509Certificate } from 'node:crypto';
import { AppError, errorMessage } from '@shared/errors/app-error';
import { APP_NAME, APP_VERSION } from '@core/app-info';
import { bundleCaPemSync } from '@core/custody/org-ca';
import { sha256Hex } from '@core/custody/signing';
import { requestTimestamp, timestampResponseFromToken, type TimestampGrant } from '@core/custody/tsa-client';
import { derToPem, pemBlocks } from '@core/custody/x509';
import type { Workspace } from '@core/workspace';
import { BUNDLE_FORMAT, NAMES, formatSums, type BundleFile, type BundleManifest } from '../bundle-format';
import { readmeText } from '../bundle-readme';
import { signDeterministic } from '../deterministic-ecdsa';
import { anchorInfo } from '../verify/anchors';
import { compareNames } from '../zip-writer';
import type { Gathered } from './gather-selection';
import { fingerprint, type Contents } from './plan-contents';
import { fromBuffer, json, text, type Planned } from './planned-file';

export type SealOptions = Readonly<{
  /** The export time, ISO-8601. */
  at: string;
  tsaUrl: string | null;
  tsaTimeoutMs: number;
}>;

/** Every entry of the bundle in write order, and the SHA256SUMS they are sealed with. */
export type Sealed = Readonly<{ entries: readonly Planned[]; sums: Buffer }>;

type TsaPems = Readonly<{ ca: string; chain: string }>;

/** The TSA certificates carried by tokens: self-signed roots to tsa/ca.pem, the rest to tsa/tsa.pem. */
function tsaFiles(certsPem: Iterable<string>): TsaPems {
  const roots = new Map<string, string>();
  const others = new Map<string, string>();
  for (const pem of certsPem) {
    const cert = new X509Certificate(pemBlocks(pem)[0]?.der ?? Buffer.alloc(0));
    const normalized = derToPem('CERTIFICATE', cert.raw);
    const fp = fingerprint(normalized);
    const selfSigned = cert.subject === cert.issuer && cert.verify(cert.publicKey);
    (selfSigned ? roots : others).set(fp, normalized);
  }
  const join = (m: Map<string, string>) =>
    [...m.entries()]
      .sort(([a], [b]) => compareNames(a, b))
      .map(([, pem]) => pem)
      .join('');
  return { ca: join(roots), chain: join(others) };
}

function readme(ws: Workspace, g: Gathered, contents: Contents, tsa: TsaPems, opts: SealOptions): Planned {
  const body = readmeText(
    {
      exportedAt: opts.at,
      caseRef: g.caseRow?.ref ?? null,
      resources: g.resources.length,
      captures: g.captures.length,
      decisions: g.decisions.length,
      packets: contents.packets.length > 0,
      migrated: contents.migrated.length > 0,
      timestamped: opts.tsaUrl !== null,
      tsaFiles: tsa.ca !== '' || tsa.chain !== '',
      workstationKeyId: ws.workstation.keyId,
      app: `${APP_NAME} ${APP_VERSION}`,
      ca: anchorInfo(
        new X509Certificate(bundleCaPemSync(ws.paths, ws.ca.certPem, ws.workstation.certificatePem)),
      ),
      tsaRootSha256: tsa.ca === '' ? null : fingerprint(tsa.ca),
    },
    g.caseRow?.language ?? 'en',
  );
  return fromBuffer(NAMES.readme, text(body));
}

function manifestOf(
  ws: Workspace,
  g: Gathered,
  contents: Contents,
  files: readonly BundleFile[],
  opts: SealOptions,
): BundleManifest {
  return {
    format: BUNDLE_FORMAT,
    tool: { name: APP_NAME, version: APP_VERSION },
    exportedAt: opts.at,
    workstation: { name: ws.workstationName, keyId: ws.workstation.keyId },
    case: g.caseRow ? { ref: g.caseRow.ref, title: g.caseRow.title, language: g.caseRow.language } : null,
    resources: g.resources.map((r) => ({
      id: r.id,
      url: r.url,
      displayUrl: r.displayUrl,
      host: r.host,
      state: r.state,
      caseRef: r.caseRef,
    })),
    captures: [...contents.captures],
    decisions: contents.decisions,
    packets: contents.packets,
    users: contents.users,
    custody: {
      file: NAMES.custody,
      rows: g.custody.length,
      ...(contents.migrated.length > 0 ? { migrated: contents.migrated } : {}),
    },
    timestamp: opts.tsaUrl === null ? null : { tsa: opts.tsaUrl },
    files: [...files],
  };
}

/** Every file SHA256SUMS lists, sorted: the contents, tsa/*.pem, README.txt and manifest.json. */
function listedFiles(
  ws: Workspace,
  g: Gathered,
  contents: Contents,
  tsa: TsaPems,
  opts: SealOptions,
): Planned[] {
  const files = [...contents.planned];
  if (tsa.ca !== '') files.push(fromBuffer(NAMES.tsaCa, text(tsa.ca)));
  if (tsa.chain !== '') files.push(fromBuffer(NAMES.tsaChain, text(tsa.chain)));
  files.push(readme(ws, g, contents, tsa, opts));
  files.sort((a, b) => compareNames(a.path, b.path));
  const listed: BundleFile[] = files.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes }));
  const manifestFile = fromBuffer(NAMES.manifest, json(manifestOf(ws, g, contents, listed, opts)));
  return [...files, manifestFile].sort((a, b) => compareNames(a.path, b.path));
}

async function stamp(sums: Buffer, url: string, timeoutMs: number): Promise<TimestampGrant> {
  return requestTimestamp({ url, sha256: Buffer.from(sha256Hex(sums), 'hex'), timeoutMs }).catch(
    (error: unknown) => {
      throw new AppError(
        'tsa.unreachable',
        `the time-stamp authority did not stamp the bundle (${errorMessage(error)}); export again, or without a TSA`,
      );
    },
  );
}

/**
 * Lists, signs and (with a TSA) time-stamps the bundle. SHA256SUMS covers tsa/*.pem, yet the chain of
 * the token over SHA256SUMS is known only once it is granted: when that TSA's certificates are new,
 * they are added and SHA256SUMS is stamped again.
 */
export async function sealBundle(
  ws: Workspace,
  g: Gathered,
  contents: Contents,
  opts: SealOptions,
): Promise<Sealed> {
  const certPool = new Set(contents.tokenCerts);
  for (let round = 0; ; round += 1) {
    const tsa = tsaFiles(certPool);
    const all = listedFiles(ws, g, contents, tsa, opts);
    const sums = text(formatSums(all.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes }))));
    const signature = signDeterministic(ws.workstation.privateKey, sums);
    const entries: Planned[] = [...all, fromBuffer(NAMES.sums, sums), fromBuffer(NAMES.sumsSig, signature)];
    if (opts.tsaUrl === null) return { entries, sums };
    const grant = await stamp(sums, opts.tsaUrl, opts.tsaTimeoutMs);
    const before = certPool.size;
    for (const pem of grant.certificatesPem) certPool.add(pem);
    const known = tsaFiles(certPool);
    const unchanged = known.ca === tsa.ca && known.chain === tsa.chain;
    if (!unchanged && round === 0 && certPool.size !== before) continue;
    entries.push(fromBuffer(NAMES.sumsTsr, timestampResponseFromToken(grant.token)));
    return { entries, sums };
  }
}
