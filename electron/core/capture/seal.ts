import { X509Certificate } from 'node:crypto';
import { arch, release, type } from 'node:os';
import {
  CaptureRecord,
  TlsInfo,
  WithheldMedia,
  type ArtifactKind,
  type SuspectedCsamFlag,
  type CaptureTimestamp,
  type ClockOffset,
  type EgressAddress,
} from '@shared/domain/capture-record';
import type { CaptureId, ResourceId } from '@shared/domain/ids';
import { AppError } from '@shared/errors/app-error';
import { APP_NAME, APP_VERSION, type BuildCommit } from '../app-info';
import { requestTimestamp, timestampResponseFromToken } from '../custody/tsa-client';
import { sha256Hex, signEs256 } from '../custody/signing';
import { registerBlob } from '../db/repositories/blobs-repo';
import type { OperatorSigner } from '../users/cli-sessions';
import type { Workspace } from '../workspace';
import { deriveArtifact } from './derivations';
import {
  CaptureManifestV2,
  manifestBytes,
  MANIFEST_FORMAT,
  type CaptureManifest,
  type ManifestArtifact,
} from './manifest';
import type { RawCapture } from './raw-capture';

export type SealOptions = Readonly<{
  captureId: CaptureId;
  resourceId: ResourceId;
  operator: string;
  /** The proven operator's key: co-signs the manifest next to the workstation. */
  operatorSigner?: OperatorSigner;
  /** Why a user operator's key did not co-sign (a UI session that ended before sealing). */
  notCosigned?: string;
  tsaUrl: string | null;
  /** The configured root and policy of `tsaUrl`: a token is checked against them before it is kept. */
  tsaChecks?: TsaChecks;
  tsaTimeoutMs?: number;
  provenance: Provenance;
  /** The resource's `suspected_csam` flag when the capture started; a list match during it sets it too. */
  suspectedCsam?: SuspectedCsamFlag;
}>;

/** What a token must satisfy beyond its own signature (the administrator's choice of authority). */
export type TsaChecks = Readonly<{
  trustedCertsPem: readonly string[] | undefined;
  policyOid: string | null;
}>;

/** The TimeStampReq a granted token answers, kept beside it so a later verifier can recheck the nonce. */
export type KeptQuery = Readonly<{ tokenSha256: string; sha256: string; bytes: number }>;

/** What the capture service measured around the browser run (the provenance section). */
export type Provenance = Readonly<{
  clockOffset: ClockOffset;
  egress: EgressAddress;
  /** SHA-256 of the canonical JSON of the capture profile as applied. */
  profileVersion: string;
  build: BuildCommit;
}>;

export type SealedCapture = Readonly<{
  record: CaptureRecord;
  manifest: Buffer;
  /** Text of the page for the full-text index. */
  text: string;
}>;

/** A stored file of the capture, named by one of the record's artifact kinds. */
type StoredArtifact = ManifestArtifact &
  Readonly<{ kind: ArtifactKind; derivedFrom: readonly string[]; method: string }>;

export const MANIFEST_NAME = 'manifest.json';
export const TIMESTAMP_NAME = 'manifest.tsr';

/** Asks the TSA for a token over the manifest hash; any failure leaves the capture `pending`, never lost. */
export async function timestampManifest(
  ws: Workspace,
  manifestSha256: string,
  tsaUrl: string | null,
  timeoutMs = 15_000,
  checks?: TsaChecks,
): Promise<{
  timestamp: CaptureTimestamp;
  tokenBlob: StoredArtifact | null;
  query: KeptQuery | null;
  error: string | null;
}> {
  if (tsaUrl === null) return { timestamp: { status: 'pending' }, tokenBlob: null, query: null, error: null };
  try {
    // The same checks as a retried token (custody/timestamp-retry.ts): a token that does not chain to
    // the configured root or carries another policy is not kept, and the capture stays pending.
    const grant = await requestTimestamp({
      url: tsaUrl,
      sha256: Buffer.from(manifestSha256, 'hex'),
      timeoutMs,
      ...(checks?.trustedCertsPem !== undefined ? { trustedCertsPem: checks.trustedCertsPem } : {}),
      policyOid: checks?.policyOid ?? null,
    });
    // Stored as a whole TimeStampResp so `openssl ts -verify -in manifest.tsr -data manifest.json` reads it as is.
    const reply = timestampResponseFromToken(grant.token);
    const blob = await ws.blobs.put(reply);
    const query = await ws.blobs.put(grant.query);
    return {
      timestamp: {
        status: 'granted',
        tsa: tsaUrl,
        genTime: grant.genTime,
        tokenSha256: blob.sha256,
        serialHex: grant.serialHex,
        ...(grant.tsaName !== null ? { tsaName: grant.tsaName } : {}),
      },
      query: { tokenSha256: blob.sha256, sha256: query.sha256, bytes: query.bytes },
      tokenBlob: {
        kind: 'timestamp-token',
        name: TIMESTAMP_NAME,
        mediaType: 'application/timestamp-reply',
        bytes: blob.bytes,
        sha256: blob.sha256,
        derivedFrom: [MANIFEST_NAME],
        method: `RFC 3161 TimeStampResp from ${tsaUrl} over the SHA-256 of the manifest`,
      },
      error: null,
    };
  } catch (error) {
    return {
      timestamp: { status: 'pending', tsa: tsaUrl },
      tokenBlob: null,
      query: null,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Seals a finished capture: every file into the content-addressed store, the manifest signed by the
 * workstation key and time-stamped when a TSA is configured. Writes nothing to the database: the
 * capture service stores the record, its rows and its custody events in one transaction.
 */
export async function sealCapture(
  ws: Workspace,
  raw: RawCapture,
  opts: SealOptions,
): Promise<
  SealedCapture & { blobs: StoredArtifact[]; timestampQuery: KeptQuery | null; timestampError: string | null }
> {
  const { stored, text } = await storeArtifacts(ws, raw);
  const common = commonFields(ws, raw, opts);
  const provenanceWarnings = [
    ...warningsOf(opts.provenance),
    // In the signed manifest too: it states by itself that no operator co-signature is to be expected.
    ...(opts.notCosigned !== undefined && opts.operatorSigner === undefined
      ? [{ code: 'operator.not-cosigned', message: opts.notCosigned }]
      : []),
  ];
  const manifest = manifestOf(ws, raw, opts, common, stored, provenanceWarnings);
  // Never sign a manifest that leaves a provenance field out: that is a defect, not evidence.
  const checked = CaptureManifestV2.safeParse(manifest);
  if (!checked.success)
    throw new AppError(
      'internal.unexpected',
      `the capture manifest lacks provenance: ${checked.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  const bytes = manifestBytes(manifest);
  const manifestBlob = await ws.blobs.put(bytes);
  const manifestSha256 = sha256Hex(bytes);
  const signature = signEs256(ws.workstation.privateKey, bytes).toString('base64');
  const stamped = await timestampManifest(ws, manifestSha256, opts.tsaUrl, opts.tsaTimeoutMs, opts.tsaChecks);

  const all: StoredArtifact[] = [
    ...stored,
    {
      kind: 'manifest',
      name: MANIFEST_NAME,
      mediaType: 'application/json',
      bytes: manifestBlob.bytes,
      sha256: manifestSha256,
      derivedFrom: stored.map((a) => a.name),
      method: 'canonical JSON of the capture record and artifact hashes, signed ES256 by the workstation key',
    },
    ...(stamped.tokenBlob ? [stamped.tokenBlob] : []),
  ];
  const warnings = stamped.error
    ? [
        ...raw.warnings,
        ...provenanceWarnings,
        {
          code: 'timestamp.pending',
          message: `the time-stamp authority did not answer (${stamped.error}); retry with \`vigil timestamps retry\``,
        },
      ]
    : [...raw.warnings, ...provenanceWarnings];

  const record: CaptureRecord = {
    ...common,
    id: opts.captureId,
    // The record carries the §4.1 fields only; the manifest keeps the engine's fuller detail
    // (redirect kinds, the PEM chain, dialogs, popups, downloads).
    redirects: CaptureRecord.shape.redirects.parse(raw.redirects),
    ...(raw.tls ? { tls: TlsInfo.parse(raw.tls) } : {}),
    ...(raw.certificates ? { certificates: CaptureRecord.shape.certificates.parse(raw.certificates) } : {}),
    artifacts: all.map((a) => ({ ...a, derivedFrom: [...a.derivedFrom], path: ws.blobs.pathOf(a.sha256) })),
    manifestSha256,
    signature: { alg: 'ES256', keyId: ws.workstation.keyId, value: signature },
    ...operatorSignatureOf(opts, bytes),
    timestamp: stamped.timestamp,
    warnings,
    ...restrictionOf(raw, opts),
  };
  return {
    record,
    manifest: bytes,
    text,
    blobs: all,
    timestampQuery: stamped.query,
    timestampError: stamped.error,
  };
}

/** The operator's co-signature of the manifest bytes; none for an operator who is not a proven user. */
function operatorSignatureOf(
  opts: SealOptions,
  bytes: Buffer,
): { operatorSignature?: NonNullable<CaptureRecord['operatorSignature']> } {
  const signer = opts.operatorSigner;
  if (signer === undefined) return {};
  // A key of someone else than the recorded operator must never sign as them.
  if (signer.name !== opts.operator)
    throw new AppError(
      'internal.unexpected',
      `the co-signing key is ${signer.name}'s, not ${opts.operator}'s`,
    );
  return {
    operatorSignature: {
      alg: 'ES256',
      signer: signer.name,
      keyId: signer.keyId,
      certificateSha256: new X509Certificate(signer.certificatePem).fingerprint256
        .replace(/:/g, '')
        .toLowerCase(),
      value: signEs256(signer.privateKey, bytes).toString('base64'),
    },
  };
}

/** Every file of the capture into the blob store, in order; the page text is read back for the index. */
async function storeArtifacts(
  ws: Workspace,
  raw: RawCapture,
): Promise<{ stored: StoredArtifact[]; text: string }> {
  const stored: StoredArtifact[] = [];
  let text = '';
  const blobs: Readonly<{ sha256: string; bytes: number }>[] = [];
  for (const artifact of raw.artifacts) blobs.push(await ws.blobs.putFile(artifact.file));
  const shaOf = (kind: string) => blobs[raw.artifacts.findIndex((a) => a.kind === kind)]?.sha256 ?? null;
  const firstShot = raw.artifacts.find((a) => a.kind === 'screenshot');
  const viewportSha = shaOf('screenshot-viewport');
  const derivationContext = {
    raw,
    viewportIsCopy: viewportSha !== null && viewportSha === shaOf('screenshot'),
    screenshotName: firstShot?.name ?? null,
  };
  for (const [i, artifact] of raw.artifacts.entries()) {
    const blob = blobs[i];
    if (!blob) throw new AppError('internal.unexpected', `artifact ${artifact.name} was not stored`);
    const derivation = deriveArtifact(artifact, derivationContext);
    stored.push({
      kind: artifact.kind,
      name: artifact.name,
      mediaType: artifact.mediaType,
      bytes: blob.bytes,
      sha256: blob.sha256,
      ...(artifact.segment ? { segment: artifact.segment } : {}),
      derivedFrom: derivation.derivedFrom,
      method: derivation.method,
    });
    if (artifact.kind === 'text') {
      const chunks: Buffer[] = [];
      for await (const chunk of ws.blobs.open(blob.sha256)) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    }
  }
  const names = new Set(stored.map((a) => a.name));
  if (names.size !== stored.length)
    throw new AppError('internal.unexpected', 'two artifacts of one capture share a name');
  return { stored, text };
}

/** What the manifest and the record both say about the capture, stated once. */
function commonFields(ws: Workspace, raw: RawCapture, opts: SealOptions) {
  const { provenance } = opts;
  const context: CaptureRecord['context'] = {
    provenanceVersion: 2,
    operator: opts.operator,
    workstation: ws.workstationName,
    os: `${type()} ${release()} ${arch()}`,
    app: {
      name: APP_NAME,
      version: APP_VERSION,
      commit: provenance.build.commit,
      commitSource: provenance.build.source,
    },
    browser: raw.browser,
    userAgent: raw.userAgent,
    viewport: raw.viewport,
    locale: raw.locale,
    timeZone: raw.timeZone,
    proxy: raw.proxy,
    profile: raw.profile,
    profileVersion: provenance.profileVersion,
    clockOffset: provenance.clockOffset,
    ...(provenance.clockOffset.status === 'measured'
      ? { clockOffsetMs: provenance.clockOffset.offsetMs }
      : {}),
    egress: provenance.egress,
  };
  return {
    resourceId: opts.resourceId,
    url: raw.url,
    finalUrl: raw.finalUrl,
    outcome: raw.outcome,
    ...(raw.error ? { error: raw.error } : {}),
    startedAt: raw.startedAt,
    finishedAt: raw.finishedAt,
    http: raw.http,
    page: raw.page,
    context,
  };
}

function manifestOf(
  ws: Workspace,
  raw: RawCapture,
  opts: SealOptions,
  common: ReturnType<typeof commonFields>,
  stored: readonly StoredArtifact[],
  provenanceWarnings: readonly Readonly<{ code: string; message: string }>[],
): CaptureManifest {
  return {
    ...common,
    format: MANIFEST_FORMAT,
    captureId: opts.captureId,
    redirects: raw.redirects,
    ...(raw.tls ? { tls: raw.tls } : {}),
    ...(raw.certificates ? { certificates: raw.certificates } : {}),
    certificateErrorsIgnored: raw.certificateErrorsIgnored,
    dialogs: raw.dialogs,
    popups: raw.popups,
    downloads: raw.downloads,
    warnings: [...raw.warnings, ...provenanceWarnings],
    artifacts: stored,
    workstation: { name: ws.workstationName, keyId: ws.workstation.keyId },
    servers: raw.servers ?? [],
    ...restrictionOf(raw, opts),
  };
}

/**
 * What the record and the signed manifest say of a restricted capture: `restricted: true`, the
 * flag it was made under (or the list match that raised it), each withheld medium with its hashes
 * and reason, and how the screenshots were made. An ordinary capture carries none of these.
 */
export function restrictionOf(
  raw: RawCapture,
  opts: Pick<SealOptions, 'suspectedCsam'>,
): Pick<CaptureRecord, 'restricted' | 'suspectedCsam' | 'withheld' | 'restriction'> {
  const r = raw.restricted;
  if (r === undefined) return {};
  const flag: SuspectedCsamFlag = opts.suspectedCsam ?? {
    source: 'hashlist',
    reason: r.match
      ? `${r.match.url} matched ${r.match.match.how} on the known-hash list ${r.match.match.list} (${r.match.match.label})`
      : 'a medium matched a known-hash list',
  };
  return {
    restricted: true,
    suspectedCsam: flag,
    withheld: r.withheld.map((w) => WithheldMedia.parse(w)),
    restriction: { screenshots: r.screenshots, notKept: r.notKept.map((n) => ({ ...n })) },
  };
}

/**
 * What the provenance says that a reviewer must be told. These do not make a capture `partial`:
 * nothing of the page is missing; the record states the clock, the address and the build as they
 * were, and the reviewer weighs them.
 */
export function warningsOf(p: Provenance): { code: string; message: string }[] {
  const out: { code: string; message: string }[] = [];
  const clock = p.clockOffset;
  if (clock.status === 'unknown')
    out.push({
      code: 'clock.offset-unknown',
      message: `the workstation clock was not checked (${clock.server ?? 'no time server configured'}: ${clock.reason})`,
    });
  else if (Math.abs(clock.offsetMs) > clock.thresholdMs)
    out.push({
      code: 'clock.offset-high',
      message: `the workstation clock is ${clock.offsetMs} ms off ${clock.server} (threshold ${clock.thresholdMs} ms, round trip ${clock.roundTripMs} ms)`,
    });
  if (p.egress.status === 'unknown')
    out.push({
      code: 'egress.unknown',
      message: `the capture's public address is unknown: ${p.egress.reason}`,
    });
  if (p.build.source === 'unknown')
    out.push({
      code: 'provenance.build-commit-unknown',
      message: 'the build commit of this app could not be found',
    });
  return out;
}

/** Registers the sealed blobs; called inside the capture service's write transaction. */
export async function registerSealedBlobs(
  ws: Workspace,
  tx: Parameters<typeof registerBlob>[0],
  blobs: readonly StoredArtifact[],
): Promise<void> {
  const at = ws.clock().toISOString();
  for (const b of blobs) await registerBlob(tx, b, at);
}
