import { z } from 'zod';
import { Sha256Hex } from '@shared/domain/ids';
import { ResourceId } from '@shared/domain/ids';
import { Language } from '@shared/domain/resources';
import { defineMethods } from '../define';

export const Settings = z.object({
  language: Language,
  theme: z.enum(['light', 'dark', 'system']),
  tsaUrl: z.string().nullable(),
  freshnessHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 365),
  blurAllMedia: z.boolean(),
  attachOriginals: z.object({ screenshots: z.boolean(), wacz: z.boolean() }),
  captureConcurrency: z.number().int().min(1).max(8),
  browserPath: z.string().nullable(),
  defaultProfile: z.string(),
  /**
   * Lets reports and captures reach loopback and private addresses (a lab or a test site on the
   * workstation's own network). Off by default; only an admin can switch it, and the change is logged.
   */
  allowPrivateNetwork: z.boolean(),
  /**
   * The SNTP (RFC 4330) server asked for the clock offset before each capture, `host[:port]`; null:
   * none, and every capture records its clock offset as unknown, with a warning.
   */
  timeServer: z.string().min(1).nullable(),
  /** Above this offset (ms) a capture carries `clock.offset-high`. */
  clockOffsetThresholdMs: z.number().int().min(1).max(3_600_000),
  /**
   * A "what is my IP" URL asked, through the capture's proxy, for the address the capture left
   * from (text or JSON `{"ip": …}`); null: not asked, recorded as unknown with a warning.
   */
  egressEndpoint: z.string().url().nullable(),
});
export type Settings = z.infer<typeof Settings>;

export const SearchHit = z.object({
  resourceId: z.string(),
  captureId: z.string().nullable(),
  url: z.string(),
  title: z.string(),
  /** Snippet with matches between U+E000 and U+E001 markers, so the UI can highlight without HTML. */
  snippet: z.string(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const workspaceMethods = defineMethods({
  'settings.get': { input: z.object({}).strict(), output: Settings, access: 'signed-in' },
  'settings.update': { input: Settings.partial().strict(), output: Settings, access: ['admin'] },
  'search.query': {
    input: z
      .object({ text: z.string().min(1).max(500), limit: z.number().int().min(1).max(200).default(50) })
      .strict(),
    output: z.array(SearchHit),
    access: 'signed-in',
  },
  /** Un-blurs one sensitive image for this user; the view is a custody event. */
  'media.reveal': {
    input: z.object({ resourceId: ResourceId, sha256: Sha256Hex }).strict(),
    output: z.null(),
    access: 'signed-in',
  },
});
