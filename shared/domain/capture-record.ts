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
  'manifest',
  'timestamp-token',
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
});
export type Artifact = z.infer<typeof Artifact>;

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
});
export type TlsInfo = z.infer<typeof TlsInfo>;

export const CaptureContext = z.object({
  operator: z.string(),
  workstation: z.string(),
  os: z.string(),
  app: z.object({ name: z.string(), version: z.string() }),
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
});
export type CaptureContext = z.infer<typeof CaptureContext>;

export const TimestampStatus = z.enum(['granted', 'pending', 'none']);
export const CaptureTimestamp = z.object({
  status: TimestampStatus,
  tsa: z.string().optional(),
  genTime: z.string().optional(),
  tokenSha256: Sha256Hex.optional(),
});
export type CaptureTimestamp = z.infer<typeof CaptureTimestamp>;

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
  redirects: z.array(z.object({ url: z.string(), status: z.number().int(), location: z.string() })),
  tls: TlsInfo.optional(),
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
  timestamp: CaptureTimestamp,
  warnings: z.array(Warning),
  /** Set when the capture was imported from another workstation's bundle (read-only evidence). */
  origin: z.object({ workstationKeyId: z.string(), importedAt: IsoTime }).optional(),
});
export type CaptureRecord = z.infer<typeof CaptureRecord>;
