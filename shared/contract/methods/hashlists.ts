import { z } from 'zod';
import { CaptureId, Sha256Hex } from '@shared/domain/ids';
import { defineMethods } from '../define';

/**
 * Known-hash lists (imported by an administrator, each import a version and a custody event) and
 * reviewers' assessments of media items, which label the same item (same SHA-256, or a near PDQ)
 * for the next reviewer.
 */

const Md5Hex = z.string().regex(/^[0-9a-f]{32}$/, 'not a lowercase hex MD5');
const PdqHex = z.string().regex(/^[0-9a-f]{64}$/, 'not a lowercase hex PDQ hash');
/** A short slug: it names a flag and a UI label, never free text. */
export const HashLabel = z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, 'a short slug (a-z, 0-9, _ . : -)');

export const HashListVersion = z.object({
  name: z.string(),
  version: z.string(),
  source: z.string(),
  fileName: z.string(),
  fileSha256: Sha256Hex,
  entryCount: z.number().int().nonnegative(),
  importedBy: z.string(),
  importedAt: z.string(),
});
export type HashListVersion = z.infer<typeof HashListVersion>;

export const MediaAssessment = z.object({
  sha256: Sha256Hex,
  md5: Md5Hex.nullable(),
  pdq: PdqHex.nullable(),
  label: HashLabel,
  captureId: CaptureId.nullable(),
  assessedBy: z.string(),
  assessedAt: z.string(),
});
export type MediaAssessment = z.infer<typeof MediaAssessment>;

/** The administrator's restricted-capture settings (`restricted.screenshots`, `hashlist.pdqDistance`). */
export const RestrictedSettings = z.object({
  /** Screenshots of a restricted capture: media as grey boxes, or no screenshot at all. */
  screenshots: z.enum(['placeholders', 'none']),
  /** The largest PDQ Hamming distance (of 256) that counts as a list match. */
  pdqDistance: z.number().int().min(0).max(256),
});
export type RestrictedSettings = z.infer<typeof RestrictedSettings>;

export const hashlistsMethods = defineMethods({
  'restricted.settings': {
    input: z.object({}).strict(),
    output: RestrictedSettings,
    access: 'signed-in',
  },
  /** Each changed value is a `settings.changed` custody event, as `vigil settings set` writes it. */
  'restricted.settings.update': {
    input: RestrictedSettings.partial().strict(),
    output: RestrictedSettings,
    access: ['admin'],
  },
  /** Every imported version of every list, by name then oldest first. */
  'hashlists.list': {
    input: z.object({}).strict(),
    output: z.array(HashListVersion),
    access: ['admin', 'reviewer'],
  },
  /** Imports a list file's text (CSV or JSON with sha256, md5, pdq, label); a bad row refuses the whole file. */
  'hashlists.import': {
    input: z
      .object({
        name: z.string().trim().min(1).max(100),
        source: z.string().max(500).optional(),
        version: z.string().max(40).optional(),
        fileName: z.string().min(1).max(255),
        text: z.string().max(64 * 1024 * 1024),
      })
      .strict(),
    output: HashListVersion,
    access: ['admin'],
  },
  /** A reviewer's label for one media item, a custody event; the next reviewer sees the label first. */
  'media.assess': {
    input: z
      .object({
        sha256: Sha256Hex,
        md5: Md5Hex.nullable().optional(),
        pdq: PdqHex.nullable().optional(),
        label: HashLabel,
        captureId: CaptureId.nullable().optional(),
      })
      .strict(),
    output: MediaAssessment,
    access: ['reviewer', 'admin'],
  },
});
