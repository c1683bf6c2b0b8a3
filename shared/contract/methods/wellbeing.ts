import { z } from 'zod';
import { WithheldMedia } from '@shared/domain/capture-record';
import { ResourceId } from '@shared/domain/ids';
import { UserName } from '@shared/domain/users';
import { defineMethods } from '../define';

/** A reveal of one blurred image, from `media.reveal` until `media.hide` (or the next sign-in). */
export const RevealId = z
  .string()
  .regex(/^rvl_[0-9a-f]{24}$/, 'not a reveal id')
  .brand<'RevealId'>();
export type RevealId = z.infer<typeof RevealId>;

/** A UTC calendar day, `YYYY-MM-DD`. */
export const UtcDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'not a YYYY-MM-DD day');

export const ExposureDay = z.object({
  userName: z.string(),
  day: UtcDay,
  reveals: z.number().int().min(0),
  /** Sum of the ended reveals' durations (ms), measured by the backend's clock. */
  revealedMs: z.number().int().min(0),
  /** Reveals of that day not ended yet (counted when they end). */
  open: z.number().int().min(0),
});
export type ExposureDay = z.infer<typeof ExposureDay>;

export const MyExposure = ExposureDay.extend({
  /** The soft limit (setting `exposureSoftLimitMinutes`, 4 h by default) in ms. */
  softLimitMs: z.number().int().min(0),
  /** At or above the soft limit: the app asks the user to take a break. */
  overLimit: z.boolean(),
});
export type MyExposure = z.infer<typeof MyExposure>;

export const wellbeingMethods = defineMethods({
  /** Ends one of the caller's reveals: `hidden` (the Hide button) or `left` (the screen went away). */
  'media.hide': {
    input: z.object({ revealId: RevealId, how: z.enum(['hidden', 'left']) }).strict(),
    output: z.object({ durationMs: z.number().int().min(0) }),
    access: 'signed-in',
  },
  /** The caller's exposure today (UTC day) and the soft limit. */
  'exposure.mine': { input: z.object({}).strict(), output: MyExposure, access: 'signed-in' },
  /** Exposure per user per day, for the administrator. */
  'exposure.list': {
    input: z.object({ sinceDay: UtcDay.optional() }).strict(),
    output: z.array(ExposureDay),
    access: ['admin'],
  },
  /** Grants or withdraws a user's authorisation to read the restricted vault (a custody event). */
  'vault.authorise': {
    input: z
      .object({ name: UserName, authorised: z.boolean(), reason: z.string().trim().min(3).max(2000) })
      .strict(),
    output: z.null(),
    access: ['admin'],
  },
  /**
   * The media a resource's restricted captures withheld (hashes, URL, reason), which of them the
   * vault holds, and whether the caller may read them (`csam_authorised`).
   */
  'vault.list': {
    input: z.object({ resourceId: ResourceId }).strict(),
    output: z.object({
      authorised: z.boolean(),
      items: z.array(WithheldMedia.extend({ captureId: z.string(), inVault: z.boolean() })),
    }),
    access: 'signed-in',
  },
  /**
   * One fetch of a vault item through the artifact server (`/artifacts/<sha256>`), for an authorised
   * user only; the grant and the read are custody events, a refusal too. The item comes blurred and
   * greyscale unless `media.reveal` of it preceded the fetch (`?reveal=`).
   */
  'vault.read': {
    input: z
      .object({ resourceId: ResourceId, sha256: z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256') })
      .strict(),
    output: z.object({ grantId: z.string(), expiresAt: z.string() }),
    access: 'signed-in',
  },
});
