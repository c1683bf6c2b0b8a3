import type { X509Certificate } from 'node:crypto';
import type { VerifyAnchor } from '@shared/contract/methods/bundle';
import { DecisionRecord } from '@shared/domain/decision';
import { NAMES, type BundleManifest } from '../bundle-format';
import { anchorInfo, anchorOf, certificatesOfPem, type VerifyAnchors } from './anchors';
import type { BundleContext } from './bundle-context';
import { certOf, fingerprintOf } from './certificates';
import { checkOf, type VerifyCheck } from './check-list';

const describe = (a: VerifyAnchor): string => `${a.subject} (SHA-256 fingerprint ${a.sha256})`;

export const SELF_CONSISTENT =
  "anchored to: the bundle's own certificates — trust is only self-consistent: whoever controls the exporting workstation could have made every certificate in it; give --trust-ca FILE (the issuing unit's CA, obtained out of band) to anchor it";

/** The bundled CA of a reviewer certificate: keys/ca.pem or one of keys/ca-*.pem that issued it. */
function issuerOf(cert: X509Certificate, ctx: BundleContext): X509Certificate | null {
  const cas = [ctx.keys.ca, ...ctx.keys.otherCas].filter((c): c is X509Certificate => c !== null);
  return (
    cas.find((ca) => {
      try {
        return cert.checkIssued(ca) && cert.verify(ca.publicKey);
      } catch {
        return false;
      }
    }) ?? null
  );
}

/** The reviewer certificate a decision record names; null when the record does not parse (reported elsewhere). */
function reviewerCertOf(raw: Buffer | null): string | null {
  if (raw === null) return null;
  try {
    return DecisionRecord.parse(JSON.parse(raw.toString('utf8'))).reviewer.certificateSha256;
  } catch {
    return null;
  }
}

/** Each decision's reviewer is certified by a CA that is one of the anchors (or issued by one). */
function decisionAnchors(
  ctx: BundleContext,
  manifest: BundleManifest,
  anchors: readonly X509Certificate[],
): VerifyCheck[] {
  const users = new Map(manifest.users.map((u) => [u.certificateSha256, u]));
  const out: VerifyCheck[] = [];
  for (const d of manifest.decisions) {
    const user = users.get(reviewerCertOf(ctx.content(d.file)) ?? '');
    const pem = user === undefined ? null : (ctx.content(user.certificate)?.toString('utf8') ?? null);
    const cert = pem === null ? null : certOf(pem);
    const issuer = cert === null ? null : issuerOf(cert, ctx);
    const anchor = issuer === null ? null : anchorOf(issuer, anchors);
    out.push(
      anchor !== null
        ? checkOf(
            'anchor.decision',
            d.file,
            true,
            `reviewer ${d.reviewer} anchored to: ${describe(anchorInfo(anchor))}`,
          )
        : checkOf(
            'anchor.decision',
            d.file,
            false,
            issuer === null
              ? `the certificate of reviewer ${d.reviewer} is not issued by a bundled CA, so it cannot be anchored`
              : `reviewer ${d.reviewer} is certified by ${describe(anchorInfo(issuer))}, which is not among the trust anchors`,
          ),
    );
  }
  return out;
}

function tsaLine(ctx: BundleContext, anchors: VerifyAnchors): VerifyCheck {
  if (anchors.tsaCas.length === 0)
    return checkOf(
      'anchor.ca',
      NAMES.tsaCa,
      true,
      ctx.tsa.ca === null
        ? 'time-stamps: the bundle carries no TSA root and none was given with --tsa-ca'
        : "time-stamps anchored to: the bundle's own tsa/ca.pem (give --tsa-ca FILE, the authority's root obtained out of band, to anchor them)",
    );
  const roots = anchors.tsaCas.flatMap((pem) => certificatesOfPem(pem, '--tsa-ca'));
  return checkOf(
    'anchor.ca',
    NAMES.tsaCa,
    true,
    `time-stamps anchored to: ${roots.map((r) => describe(anchorInfo(r))).join('; ')} (given with --tsa-ca)`,
  );
}

/**
 * Which anchors the verification rests on. Without `--trust-ca` one line says plainly that trust is
 * only self-consistent; with it, keys/ca.pem must be an anchor (or be issued by one) and so must the CA
 * of every decision's reviewer. Returns the lines and the anchors the bundle's CA chained to.
 */
export function checkAnchors(
  ctx: BundleContext,
  manifest: BundleManifest | null,
  anchors: VerifyAnchors,
): { checks: VerifyCheck[]; anchoredTo: VerifyAnchor[] | null } {
  const tsa = tsaLine(ctx, anchors);
  if (anchors.trustCas.length === 0)
    return { checks: [checkOf('anchor.ca', NAMES.caCert, true, SELF_CONSISTENT), tsa], anchoredTo: null };
  const ca = ctx.keys.ca;
  const anchor = ca === null ? null : anchorOf(ca, anchors.trustCas);
  const given = anchors.trustCas.map((a) => describe(anchorInfo(a))).join('; ');
  const caLine =
    anchor !== null && ca !== null
      ? checkOf('anchor.ca', NAMES.caCert, true, `anchored to: ${describe(anchorInfo(anchor))}`)
      : checkOf(
          'anchor.ca',
          NAMES.caCert,
          false,
          ca === null
            ? 'the bundle carries no readable CA certificate to anchor'
            : `the bundle's CA ${describe(anchorInfo(ca))} is not the CA given with --trust-ca (${given}) nor issued by it`,
        );
  const decisions = manifest === null ? [] : decisionAnchors(ctx, manifest, anchors.trustCas);
  const used = new Map<string, VerifyAnchor>();
  if (anchor !== null) used.set(fingerprintOf(anchor), anchorInfo(anchor));
  return { checks: [caLine, ...decisions, tsa], anchoredTo: [...used.values()] };
}
