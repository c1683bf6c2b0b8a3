import { z } from 'zod';

/**
 * Branded string ids: a CaptureId can't be passed where a ResourceId is expected, yet both travel
 * as plain JSON strings. Ids are a prefix plus a time-ordered random part (see electron/core/ids).
 */
const id = <B extends string>(brand: B, prefix: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{10,40}$`), `not a ${brand} id`)
    .brand<B>();

export const UserId = id('UserId', 'usr');
export const CaseId = id('CaseId', 'case');
export const ReportId = id('ReportId', 'rep');
export const ResourceId = id('ResourceId', 'res');
export const CaptureId = id('CaptureId', 'cap');
export const DecisionId = id('DecisionId', 'dec');
export const LegalBasisId = id('LegalBasisId', 'lb');
export const ExportId = id('ExportId', 'exp');

export type UserId = z.infer<typeof UserId>;
export type CaseId = z.infer<typeof CaseId>;
export type ReportId = z.infer<typeof ReportId>;
export type ResourceId = z.infer<typeof ResourceId>;
export type CaptureId = z.infer<typeof CaptureId>;
export type DecisionId = z.infer<typeof DecisionId>;
export type LegalBasisId = z.infer<typeof LegalBasisId>;
export type ExportId = z.infer<typeof ExportId>;

export const ID_PREFIXES = {
  UserId: 'usr',
  CaseId: 'case',
  ReportId: 'rep',
  ResourceId: 'res',
  CaptureId: 'cap',
  DecisionId: 'dec',
  LegalBasisId: 'lb',
  ExportId: 'exp',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** Lowercase hex SHA-256, the only hash format Vigil writes. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'not a lowercase hex SHA-256');
export type Sha256Hex = z.infer<typeof Sha256Hex>;

/** ISO-8601 UTC with milliseconds, e.g. 2026-11-22T10:00:00.000Z. */
export const IsoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'not an ISO-8601 UTC time');
export type IsoTime = z.infer<typeof IsoTime>;

export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'not a YYYY-MM-DD date')
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    'not a real calendar date',
  );
export type IsoDate = z.infer<typeof IsoDate>;
