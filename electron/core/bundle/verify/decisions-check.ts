import type { X509Certificate } from 'node:crypto';
import { DecisionRecord } from '@shared/domain/decision';
import { canonicalJson } from '@core/custody/canonical-json';
import { verifyEs256 } from '@core/custody/signing';
import type { BundleManifest } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { certOf, chainProblem, fingerprintOf } from './certificates';
import { checkOf, errorText, type VerifyCheck } from './check-list';

type BundledUser = BundleManifest['users'][number];

function parseDecision(raw: Buffer): DecisionRecord | string {
  try {
    return DecisionRecord.parse(JSON.parse(raw.toString('utf8')));
  } catch (error) {
    return `not a decision record: ${errorText(error).slice(0, 200)}`;
  }
}

/** The reviewer's certificate chains to a bundled CA at signing time, and the record's signature verifies. */
function signatureChecks(
  ctx: BundleContext,
  file: string,
  record: DecisionRecord,
  user: BundledUser,
  cert: X509Certificate,
): VerifyCheck[] {
  const { ca, otherCas } = ctx.keys;
  const problem =
    ca === null
      ? 'cannot be checked without keys/ca.pem'
      : chainProblem(cert, [ca, ...otherCas], new Date(record.signedAt));
  const { signature, ...unsigned } = record;
  const ok = verifyEs256(cert.publicKey, canonicalJson(unsigned), Buffer.from(signature.value, 'base64'));
  return [
    checkOf(
      'decision.certificate',
      user.certificate,
      problem === null,
      problem ?? `${record.reviewer.name}, certified by the bundled CA`,
    ),
    checkOf(
      'decision.signature',
      file,
      ok,
      ok ? `signed by ${record.reviewer.name} at ${record.signedAt}` : 'the signature does not verify',
    ),
  ];
}

/** A decision relies on the bundled captures exactly: the manifest hashes it signed are theirs. */
function reliedCaptureChecks(file: string, record: DecisionRecord, manifest: BundleManifest): VerifyCheck[] {
  const out: VerifyCheck[] = [];
  for (const relied of record.captures) {
    const bundled = manifest.captures.find((x) => x.id === relied.id);
    if (bundled !== undefined && bundled.manifestSha256 !== relied.manifestSha256)
      out.push(
        checkOf(
          'decision.captures',
          file,
          false,
          `relies on capture ${relied.id} with another manifest hash`,
        ),
      );
  }
  return out;
}

function checkDecision(
  ctx: BundleContext,
  manifest: BundleManifest,
  usersByCert: ReadonlyMap<string, BundledUser>,
  file: string,
): VerifyCheck[] {
  const raw = ctx.content(file);
  if (raw === null) return [checkOf('decision.signature', file, false, 'the decision record is missing')];
  const record = parseDecision(raw);
  if (typeof record === 'string') return [checkOf('decision.signature', file, false, record)];
  const user = usersByCert.get(record.reviewer.certificateSha256);
  const certPem = user ? ctx.content(user.certificate)?.toString('utf8') : undefined;
  const cert = certPem === undefined ? null : certOf(certPem);
  if (user === undefined || cert === null)
    return [
      checkOf(
        'decision.signature',
        file,
        false,
        `the certificate of reviewer ${record.reviewer.name} is not in the bundle`,
      ),
    ];
  if (fingerprintOf(cert) !== record.reviewer.certificateSha256)
    return [
      checkOf('decision.certificate', user.certificate, false, 'is not the certificate the decision names'),
    ];
  return [...signatureChecks(ctx, file, record, user, cert), ...reliedCaptureChecks(file, record, manifest)];
}

/** Decisions: each signed by its reviewer's certified key, relying on the bundled captures. */
export function checkDecisions(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  const usersByCert = new Map(manifest.users.map((u) => [u.certificateSha256, u]));
  return manifest.decisions.flatMap((d) => checkDecision(ctx, manifest, usersByCert, d.file));
}
