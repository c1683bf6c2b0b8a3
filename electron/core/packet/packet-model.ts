import { z } from 'zod';
import { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionRecord } from '@shared/domain/decision';
import { IsoTime, ResourceId, Sha256Hex } from '@shared/domain/ids';
import { Language } from '@shared/domain/resources';

/** A stored full-page (or viewport) PNG to show in the packet. `file` is the blob path on this workstation. */
export const PacketScreenshot = z.object({
  file: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  label: z.string(),
  /**
   * Present when the image shown is a derived copy (the caption band above the screenshot): the
   * original screenshot it was made from, which the packet attaches as the evidence.
   */
  original: z.object({ file: z.string().min(1), label: z.string() }).optional(),
});
export type PacketScreenshot = z.infer<typeof PacketScreenshot>;

/** The capture record of DESIGN §4.1 plus the screenshots to lay out (in order). */
/** What the capture's RFC 3161 token itself says (read from the stored token, not from the record). */
export const PacketTimestampToken = z.object({
  tsaName: z.string().nullable(),
  genTime: z.string(),
  serialHex: z.string(),
  policy: z.string(),
});
export type PacketTimestampToken = z.infer<typeof PacketTimestampToken>;

export const PacketCapture = CaptureRecord.extend({
  screenshots: z.array(PacketScreenshot),
  /** The granted time-stamp token of the capture manifest, as parsed; absent when there is none. */
  timestampToken: PacketTimestampToken.optional(),
});
export type PacketCapture = z.infer<typeof PacketCapture>;

/** One row of the hash-chained audit log (DESIGN §5); `details` stay in the database and the bundle. */
export const PacketCustodyRow = z.object({
  seq: z.number().int().nonnegative(),
  at: IsoTime,
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  hash: Sha256Hex,
});
export type PacketCustodyRow = z.infer<typeof PacketCustodyRow>;

export const PacketResource = z.object({
  id: ResourceId,
  /** The URL exactly as captured. */
  url: z.string(),
  /** Unicode form for reading (IDN host decoded, percent-escapes shown as characters). */
  displayUrl: z.string(),
  /** ASCII form (punycode host), the one a blocking order names. */
  punycodeUrl: z.string(),
  categories: z.array(z.string()),
});
export type PacketResource = z.infer<typeof PacketResource>;

/**
 * Everything the packet shows, as plain data: the renderer never queries the database. `decision` is
 * null for a DRAFT packet (prepared for review, not yet decided), which is marked as such on every page.
 */
export const PacketModel = z.object({
  caseRef: z.string().min(1).max(200),
  /** Bates stamp prefix; the stamp is `${batesPrefix}-${number padded to 6}`. */
  batesPrefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'letters, digits, . _ - only'),
  batesStart: z.number().int().positive().default(1),
  language: Language,
  resource: PacketResource,
  captures: z.array(PacketCapture).min(1),
  custody: z.array(PacketCustodyRow),
  decision: DecisionRecord.nullable(),
  /** The indicators found in the packet's captures, each with where it was found (one row per occurrence). */
  indicators: z
    .array(
      z.object({
        type: z.string(),
        value: z.string(),
        captureId: z.string(),
        /** e.g. `text text.txt@120+42`, `link layout.json`: the artifact and the place in it. */
        where: z.string(),
      }),
    )
    .default([]),
  /**
   * An unsigned rendering of a decided resource: marked "COPY — NOT SIGNED" on every page, and never
   * the resource's packet of record (only the reviewer's signed packet is).
   */
  copy: z.boolean().default(false),
});
export type PacketModel = z.input<typeof PacketModel>;
export type ParsedPacketModel = z.output<typeof PacketModel>;
