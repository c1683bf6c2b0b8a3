import { z } from 'zod';
import { ResourceId } from '@shared/domain/ids';
import { defineMethods } from '../define';

export const BundleCheck = z.object({
  check: z.string(),
  file: z.string().nullable(),
  ok: z.boolean(),
  message: z.string(),
});
export type BundleCheck = z.infer<typeof BundleCheck>;

/** The trust anchor a verification rested on: a CA the verifier chose, or null for the bundle's own certificates. */
export const VerifyAnchor = z.object({ subject: z.string(), sha256: z.string() });
export type VerifyAnchor = z.infer<typeof VerifyAnchor>;

export const BundleVerifyReport = z.object({
  ok: z.boolean(),
  checks: z.array(BundleCheck),
  /** Absent in reports made before anchors were chosen by the verifier. */
  anchoredTo: z.array(VerifyAnchor).nullable().optional(),
});
export type BundleVerifyReport = z.infer<typeof BundleVerifyReport>;

/** A CA of another unit trusted for import (`vigil trust add`), as Settings lists it. */
export const TrustedCa = z.object({
  name: z.string(),
  subject: z.string(),
  sha256: z.string(),
  trustedAt: z.string(),
  trustedBy: z.string(),
});
export type TrustedCa = z.infer<typeof TrustedCa>;

export const bundleMethods = defineMethods({
  /** Read-only: the CAs whose bundles are imported besides our own (added with `vigil trust add`). */
  'trust.list': {
    input: z.object({}).strict(),
    output: z.object({ ownCaSha256: z.string(), trusted: z.array(TrustedCa) }),
    access: 'signed-in',
  },
  'bundle.export': {
    input: z
      .object({
        caseRef: z.string().max(64).optional(),
        resourceIds: z.array(ResourceId).max(10_000).optional(),
        /** Absolute path chosen by the user (a native dialog in the desktop app); default: exports/. */
        outPath: z.string().max(4096).optional(),
        asDirectory: z.boolean().default(false),
      })
      .strict(),
    output: z.object({
      path: z.string(),
      sha256: z.string().nullable(),
      files: z.number().int(),
      bytes: z.number().int(),
    }),
    access: ['investigator', 'reviewer', 'admin'],
  },
  'bundle.verify': {
    input: z.object({ path: z.string().max(4096) }).strict(),
    output: BundleVerifyReport,
    access: 'signed-in',
  },
  'bundle.import': {
    input: z.object({ path: z.string().max(4096) }).strict(),
    output: z.object({
      report: BundleVerifyReport,
      imported: z.boolean(),
      resources: z.number().int(),
      captures: z.number().int(),
    }),
    access: ['investigator', 'reviewer', 'admin'],
  },
});
