import type { KeyObject } from 'node:crypto';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { sha256Hex, verifyEs256 } from '@core/custody/signing';
import { recheckQuery } from '@core/custody/tsa-query-check';
import {
  CAPTURE_QUERY_NAME,
  CAPTURE_SIGNATURE_NAME,
  captureDir,
  type BundleManifest,
} from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, errorText, type VerifyCheck } from './check-list';
import { readSignedManifest, type SignedManifestRead } from './signed-capture-manifest';
import { verifyBundledToken } from './timestamp-check';

/** Files under captures/ that belong to no capture manifest.json names. */
function unknownCaptureFiles(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  const listedCaptureDirs = new Set(manifest.captures.map((r) => `${captureDir(r.id)}/`));
  const out: VerifyCheck[] = [];
  for (const name of ctx.files.keys()) {
    const m = /^captures\/([^/]+)\//.exec(name);
    if (m !== null && !listedCaptureDirs.has(`captures/${m[1]}/`))
      out.push(checkOf('capture.unknown', name, false, 'belongs to no capture named in manifest.json'));
  }
  return out;
}

/** manifest.json.sig: the capture manifest signed by the workstation key its record names. */
function signatureCheck(
  ctx: BundleContext,
  record: CaptureRecord,
  manifestBytes: Buffer,
  sigName: string,
): VerifyCheck {
  const capSig = ctx.content(sigName);
  const key: KeyObject | undefined = ctx.keys.byId.get(record.signature.keyId);
  if (capSig === null)
    return checkOf('capture.signature', sigName, false, 'the manifest signature is missing');
  if (key === undefined)
    return checkOf(
      'capture.signature',
      sigName,
      false,
      `no public key in keys/ for workstation ${record.signature.keyId}`,
    );
  const ok = verifyEs256(key, manifestBytes, capSig);
  return checkOf(
    'capture.signature',
    sigName,
    ok,
    ok ? `signed by workstation key ${record.signature.keyId}` : 'does not verify for manifest.json',
  );
}

/** The signed capture manifest names this capture and key; each artifact it lists is there unchanged. */
function signedManifestChecks(
  ctx: BundleContext,
  record: CaptureRecord,
  mName: string,
  signed: SignedManifestRead,
  expected: Set<string>,
): VerifyCheck[] {
  const dir = captureDir(record.id);
  const out: VerifyCheck[] = [];
  if (signed.problem !== null) out.push(checkOf('capture.artifacts', mName, false, signed.problem));
  if (signed.captureId !== record.id)
    out.push(
      checkOf(
        'capture.artifacts',
        mName,
        false,
        `names capture ${String(signed.captureId)}, not ${record.id}`,
      ),
    );
  if (signed.keyId !== record.signature.keyId)
    out.push(
      checkOf(
        'capture.signature',
        mName,
        false,
        'the manifest names another workstation key than the record',
      ),
    );
  for (const a of signed.artifacts) {
    const name = `${dir}/${a.name}`;
    expected.add(name);
    const f = ctx.files.get(name);
    if (f === undefined)
      out.push(
        checkOf('capture.artifacts', name, false, 'listed in the signed capture manifest but missing'),
      );
    else if (f.sha256 !== a.sha256 || f.bytes !== a.bytes)
      out.push(
        checkOf(
          'capture.artifacts',
          name,
          false,
          `differs from the signed capture manifest (sha256 ${a.sha256})`,
        ),
      );
    else out.push(checkOf('capture.artifacts', name, true, 'as in the signed capture manifest'));
  }
  return out;
}

/** manifest.tsr: a token over the capture manifest, required when the record says it was granted. */
function tokenChecks(
  ctx: BundleContext,
  record: CaptureRecord,
  manifestSha256: string,
  expected: Set<string>,
): VerifyCheck[] {
  const tokenName = `${captureDir(record.id)}/manifest.tsr`;
  const token = ctx.content(tokenName);
  if (token === null)
    return record.timestamp.status === 'granted'
      ? [
          checkOf(
            'capture.timestamp',
            tokenName,
            false,
            'the capture record says it was time-stamped, but the token is missing',
          ),
        ]
      : [];
  expected.add(tokenName);
  const verdict = verifyBundledToken(token, manifestSha256, ctx.tsa);
  return [
    verdict.ok
      ? checkOf('capture.timestamp', tokenName, true, `manifest time-stamped at ${verdict.info.genTime}`)
      : checkOf('capture.timestamp', tokenName, false, verdict.problem),
    ...queryChecks(ctx, record, token, manifestSha256, expected),
  ];
}

/** manifest.tsq, when present: the token answers that very query (imprint and nonce, RFC 3161 §2.4.2). */
function queryChecks(
  ctx: BundleContext,
  record: CaptureRecord,
  token: Buffer,
  manifestSha256: string,
  expected: Set<string>,
): VerifyCheck[] {
  const queryName = `${captureDir(record.id)}/${CAPTURE_QUERY_NAME}`;
  const query = ctx.content(queryName);
  // Tokens granted before queries were kept travel without one; the token itself is checked above.
  if (query === null) return [];
  expected.add(queryName);
  try {
    recheckQuery(query, token, Buffer.from(manifestSha256, 'hex'));
    return [
      checkOf('capture.timestamp', queryName, true, 'the token answers this query (imprint and nonce)'),
    ];
  } catch (error) {
    return [checkOf('capture.timestamp', queryName, false, errorText(error))];
  }
}

/** One capture: its manifest's hash, signature, artifacts and time-stamp, and nothing else in its folder. */
function checkCapture(ctx: BundleContext, record: CaptureRecord): VerifyCheck[] {
  const dir = captureDir(record.id);
  const mName = `${dir}/manifest.json`;
  const mBytes = ctx.content(mName);
  if (mBytes === null) return [checkOf('capture.manifest', mName, false, 'the capture manifest is missing')];
  const mHash = sha256Hex(mBytes);
  const sigName = `${dir}/${CAPTURE_SIGNATURE_NAME}`;
  const expected = new Set([mName, sigName]);
  const out = [
    checkOf(
      'capture.manifest',
      mName,
      mHash === record.manifestSha256,
      mHash === record.manifestSha256
        ? `sha256 ${mHash}`
        : `SHA-256 is ${mHash}, the capture record says ${record.manifestSha256}`,
    ),
    signatureCheck(ctx, record, mBytes, sigName),
    ...signedManifestChecks(ctx, record, mName, readSignedManifest(mBytes), expected),
    ...tokenChecks(ctx, record, mHash, expected),
  ];
  for (const name of ctx.files.keys()) {
    if (name.startsWith(`${dir}/`) && !expected.has(name))
      out.push(checkOf('capture.artifacts', name, false, 'not listed in the signed capture manifest'));
  }
  return out;
}

/** Every capture manifest.json names, and no capture files beyond them. */
export function checkCaptures(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  return [...unknownCaptureFiles(ctx, manifest), ...manifest.captures.flatMap((r) => checkCapture(ctx, r))];
}
