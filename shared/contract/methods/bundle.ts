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

export const BundleVerifyReport = z.object({ ok: z.boolean(), checks: z.array(BundleCheck) });
export type BundleVerifyReport = z.infer<typeof BundleVerifyReport>;

export const bundleMethods = defineMethods({
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
