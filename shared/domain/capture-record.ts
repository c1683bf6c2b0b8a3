import { z } from 'zod';
import { CaptureId, IsoTime, ResourceId, Sha256Hex } from './ids';

export const ARTIFACT_KINDS = [
  'screenshot',
  'screenshot-viewport',
  'mhtml',
  'dom',
  'text',
  'wacz',
  'metadata',
  'console',
  'certificate',
  /** The main document's body as the network delivered it (decoded by the browser), next to the DOM. */
  'document-raw',
  'manifest',
  'timestamp-token',
  /** A derived copy of the screenshot with a caption band (URL, UTC time, capture id); never the original. */
  'screenshot-captioned',
  /** Boxes of the page's text, links and data-* elements at the snapshot (locates indicators on the screenshot). */
  'layout',
] as const;
export const ArtifactKind = z.enum(ARTIFACT_KINDS);
export type ArtifactKind = z.infer<typeof ArtifactKind>;

export const CAPTURE_OUTCOMES = ['complete', 'partial', 'failed'] as const;
export const CaptureOutcome = z.enum(CAPTURE_OUTCOMES);
export type CaptureOutcome = z.infer<typeof CaptureOutcome>;

export const Warning = z.object({ code: z.string(), message: z.string() });
export type Warning = z.infer<typeof Warning>;

export const Artifact = z.object({
  kind: ArtifactKind,
  /** File name inside the capture (and inside a court bundle's captures/<id>/ folder). */
  name: z.string(),
  /** Absolute path of the stored blob on this workstation. */
  path: z.string(),
  mediaType: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256Hex,
  /** Tall pages are kept as ordered screenshot segments (DESIGN §4 step 3). */
  segment: z
    .object({ index: z.number().int(), count: z.number().int(), top: z.number(), height: z.number() })
    .optional(),
  /**
   * Which source this file is a transformation of (e.g. `network:response <url>`, `dom@<time>`, the
   * name of another artifact) and how it was made (the Chromium call with its parameters), so a
   * reader knows which artifact derives from which (Berkeley Protocol para. 154). Required in the
   * manifest of captures sealed with provenance version 2; absent in older records.
   */
  derivedFrom: z.array(z.string()).optional(),
  method: z.string().optional(),
});
export type Artifact = z.infer<typeof Artifact>;

export const CertificateProblem = z.enum([
  'expired',
  'not-yet-valid',
  'self-signed',
  'untrusted-issuer',
  'name-mismatch',
  'unreadable',
]);
export type CertificateProblem = z.infer<typeof CertificateProblem>;

export const TlsInfo = z.object({
  protocol: z.string(),
  cipher: z.string(),
  keyExchange: z.string().nullable().optional(),
  subjectName: z.string(),
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  sanList: z.array(z.string()),
  /** SHA-256 of the leaf certificate (DER), lowercase hex; null only when the browser withheld it. */
  sha256Fingerprint: z.string().nullable(),
  /** False when the browser or the chain check found a certificate error (the page is still captured). */
  valid: z.boolean().optional(),
  /** Which error: the browser's net error (e.g. net::ERR_CERT_DATE_INVALID) and what the check found. */
  error: z.string().optional(),
  problems: z.array(CertificateProblem).optional(),
});
export type TlsInfo = z.infer<typeof TlsInfo>;

/** The certificate of one HTTPS origin the page loaded from (its PEM chain is a `certificate` artifact). */
export const OriginCertificate = z.object({
  origin: z.string(),
  subjectName: z.string(),
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  sha256Fingerprint: z.string().nullable(),
  valid: z.boolean(),
  error: z.string().optional(),
  problems: z.array(CertificateProblem),
  /** The artifact name of this origin's PEM chain; null when no chain could be kept. */
  chainArtifact: z.string().nullable(),
  /** `browser`: the chain Chromium kept; `handshake`: read by Vigil from the same server address, leaf matched. */
  chainSource: z.enum(['browser', 'handshake']).nullable(),
});
export type OriginCertificate = z.infer<typeof OriginCertificate>;

/** RFC 4330 (SNTP) measurement of the workstation clock just before the capture. */
export const ClockOffset = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    server: z.string(),
    /** Server time minus workstation time (positive: the workstation clock is behind). */
    offsetMs: z.number(),
    roundTripMs: z.number(),
    thresholdMs: z.number(),
    measuredAt: IsoTime,
  }),
  z.object({ status: z.literal('unknown'), server: z.string().nullable(), reason: z.string() }),
]);
export type ClockOffset = z.infer<typeof ClockOffset>;

/** The public address the capture left from, asked through the capture's own proxy. */
export const EgressAddress = z.discriminatedUnion('status', [
  z.object({ status: z.literal('known'), address: z.string(), endpoint: z.string() }),
  z.object({ status: z.literal('unknown'), endpoint: z.string().nullable(), reason: z.string() }),
]);
export type EgressAddress = z.infer<typeof EgressAddress>;

export const CaptureContext = z.object({
  operator: z.string(),
  workstation: z.string(),
  os: z.string(),
  app: z.object({
    name: z.string(),
    version: z.string(),
    /** The git commit the app was built from (`unknown` when it could not be found, with a warning). */
    commit: z.string().optional(),
    /** Where the commit came from: embedded at build time, read from `.git` at run time, or unknown. */
    commitSource: z.enum(['embedded', 'git', 'unknown']).optional(),
  }),
  browser: z.object({ product: z.string(), version: z.string() }),
  userAgent: z.string(),
  viewport: z.object({
    width: z.number(),
    height: z.number(),
    deviceScaleFactor: z.number(),
    isMobile: z.boolean(),
  }),
  locale: z.string(),
  timeZone: z.string(),
  proxy: z.string().nullable(),
  profile: z.string().optional(),
  clockOffsetMs: z.number().optional(),
  // Provenance version 2 (issue: the manifest answers every question about how the capture was
  // made). Optional here so that records stored before it still parse; `CaptureContextV2` below
  // requires all of them, and sealing refuses a manifest whose context does not pass it.
  provenanceVersion: z.literal(2).optional(),
  /** SHA-256 of the canonical JSON of the capture profile as applied: its version. */
  profileVersion: z.string().optional(),
  clockOffset: ClockOffset.optional(),
  egress: EgressAddress.optional(),
});
export type CaptureContext = z.infer<typeof CaptureContext>;

const required = z.string().min(1);
/**
 * The context every capture sealed since provenance version 2 must carry: nothing may be absent
 * (an unknown value is stated as unknown, with the reason).
 */
export const CaptureContextV2 = CaptureContext.extend({
  provenanceVersion: z.literal(2),
  operator: required,
  workstation: required,
  os: required,
  app: z.object({
    name: required,
    version: required,
    commit: required,
    commitSource: z.enum(['embedded', 'git', 'unknown']),
  }),
  browser: z.object({ product: required, version: required }),
  userAgent: required,
  locale: required,
  timeZone: required,
  proxy: z.string().nullable(),
  profile: required,
  profileVersion: required,
  clockOffset: ClockOffset,
  egress: EgressAddress,
});
export type CaptureContextV2 = z.infer<typeof CaptureContextV2>;

export const TimestampStatus = z.enum(['granted', 'pending', 'none']);
export const CaptureTimestamp = z.object({
  status: TimestampStatus,
  tsa: z.string().optional(),
  genTime: z.string().optional(),
  tokenSha256: Sha256Hex.optional(),
  /** The token's serial number (hex) and the authority's name as the token states it (RFC 3161 TSTInfo). */
  serialHex: z.string().optional(),
  tsaName: z.string().optional(),
});
export type CaptureTimestamp = z.infer<typeof CaptureTimestamp>;

/** One medium a restricted capture hashed and did not keep: its bytes are nowhere in the evidence. */
export const WithheldMedia = z.object({
  url: z.string(),
  contentType: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256Hex,
  md5: z.string(),
  /** PDQ perceptual hash (hex), null when the medium is not an image it could read. */
  pdq: z.string().nullable(),
  reason: z.enum(['suspected_csam', 'known-hash']),
  because: z.string(),
  match: z.object({ list: z.string(), label: z.string(), how: z.string() }).optional(),
  /** A reviewer's earlier assessment of this item (same SHA-256, or a PDQ within the threshold). */
  assessment: z
    .object({ label: z.string(), assessedBy: z.string(), assessedAt: z.string(), by: z.string() })
    .optional(),
});
export type WithheldMedia = z.infer<typeof WithheldMedia>;

/** The `suspected_csam` flag a restricted capture was made under (or raised by its list match). */
export const SuspectedCsamFlag = z.object({
  source: z.enum(['intake', 'investigator', 'hashlist']),
  reason: z.string(),
});
export type SuspectedCsamFlag = z.infer<typeof SuspectedCsamFlag>;

/** How a restricted capture was made: its screenshots and the artifacts it did not keep. */
export const Restriction = z.object({
  screenshots: z.enum(['placeholders', 'none', 'withdrawn']),
  notKept: z.array(z.object({ kind: z.string(), reason: z.string() })),
});
export type Restriction = z.infer<typeof Restriction>;

/** The capture record of DESIGN §4.1: `vigil capture --json` prints exactly this shape. */
export const CaptureRecord = z.object({
  id: CaptureId,
  resourceId: ResourceId,
  url: z.string(),
  finalUrl: z.string(),
  outcome: CaptureOutcome,
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  startedAt: IsoTime,
  finishedAt: IsoTime,
  http: z.object({
    status: z.number().int().nullable(),
    headers: z.record(z.string(), z.string()),
    remoteAddress: z.string().nullable(),
    protocol: z.string().nullable(),
  }),
  redirects: z.array(
    z.object({
      url: z.string(),
      status: z.number().int(),
      location: z.string(),
      /** How the hop happened, where known; records made before it was kept have none. */
      via: z.enum(['http', 'meta-refresh', 'script', 'form']).optional(),
    }),
  ),
  tls: TlsInfo.optional(),
  /** Every HTTPS origin the page loaded from, the main document's first. */
  certificates: z.array(OriginCertificate).optional(),
  page: z.object({
    title: z.string(),
    lang: z.string().nullable(),
    textLength: z.number().int().nonnegative(),
    outlinks: z.number().int().nonnegative(),
  }),
  context: CaptureContext,
  artifacts: z.array(Artifact),
  manifestSha256: Sha256Hex,
  signature: z.object({ alg: z.literal('ES256'), keyId: z.string(), value: z.string() }),
  /**
   * The operator's co-signature over the same manifest bytes, when the operator is a Vigil user who
   * proved who they are: separation of duties rests on this key, not on the operator's name.
   */
  operatorSignature: z
    .object({
      alg: z.literal('ES256'),
      signer: z.string(),
      keyId: z.string(),
      certificateSha256: z.string(),
      value: z.string(),
    })
    .optional(),
  timestamp: CaptureTimestamp,
  warnings: z.array(Warning),
  /** Restricted ("do-not-possess") capture: set with the flag, the withheld media and how. */
  restricted: z.literal(true).optional(),
  suspectedCsam: SuspectedCsamFlag.optional(),
  withheld: z.array(WithheldMedia).optional(),
  restriction: Restriction.optional(),
  /** Set when the capture was imported from another workstation's bundle (read-only evidence). */
  origin: z.object({ workstationKeyId: z.string(), importedAt: IsoTime }).optional(),
  /**
   * Set only in views (never sealed or exported): the stored row disagrees with the signed manifest
   * in these fields (`manifest`: the manifest is missing or unreadable). The view then shows the
   * manifest's values, never silently the edited row.
   */
  tampered: z.array(z.string()).optional(),
});
export type CaptureRecord = z.infer<typeof CaptureRecord>;
