import { z } from 'zod';
import { Sha256Hex } from '@shared/domain/ids';
import { ResourceId } from '@shared/domain/ids';
import { Language } from '@shared/domain/resources';
import { defineMethods } from '../define';
import { RevealId } from './wellbeing';

export const Settings = z.object({
  language: Language,
  theme: z.enum(['light', 'dark', 'system']),
  tsaUrl: z.string().nullable(),
  /**
   * The administrator's answer to "which time-stamp authority?": 'authority' (tsaUrl and its root),
   * 'none' (an explicit, recorded choice: nothing is time-stamped by an independent authority), or
   * 'unset' (never answered; treated like 'none' for warnings, and the first-run screen asks).
   */
  tsaChoice: z.enum(['unset', 'authority', 'none']),
  /** The TSA's trust anchor (PEM): every token it sends must chain to it. */
  tsaCaPem: z.string().nullable(),
  /** Whether the TSA is an eIDAS qualified time-stamp service (Regulation (EU) 910/2014 art. 42). */
  tsaQualified: z.boolean(),
  /** The TSA policy OID every token must carry (RFC 3161 §2.4.2 `policy`); null: any. */
  tsaPolicyOid: z
    .string()
    .regex(/^[0-2](\.\d+)+$/)
    .nullable(),
  freshnessHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 365),
  /** Blur and greyscale every captured image until revealed (on by default; `minors` images always). */
  blurAllMedia: z.boolean(),
  /** Daily revealed time (minutes) after which the app prompts a break; 240 (4 h) when unset. */
  exposureSoftLimitMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /**
   * Suspected-CSAM media: `hashes-only` keeps only their hashes (the default); `vault` also keeps the
   * bytes encrypted in the restricted vault, readable only by users authorised for it.
   */
  csamPolicy: z.enum(['hashes-only', 'vault']).optional(),
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
   * `HOST[:PORT]` entries captures may reach whatever their address (the narrow sibling of
   * `allowPrivateNetwork` for a lab network): exactly those hosts, every other private one refused.
   */
  allowHosts: z.array(z.string().min(1).max(300)).max(100).optional(),
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
  /** Failed sign-ins in a row after which a user is locked out until an admin unlocks them. */
  signInLockoutAfter: z.number().int().min(3).max(1000),
  /** Largest report list `report import` reads (bytes); a larger file is refused before anything is stored. */
  importMaxBytes: z
    .number()
    .int()
    .min(1024)
    .max(2 ** 40)
    .optional(),
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
  /**
   * Un-blurs one sensitive image for this user; the view is a custody event and starts a reveal
   * whose end (`media.hide`, or the next sign-in) records its duration.
   */
  'media.reveal': {
    input: z.object({ resourceId: ResourceId, sha256: Sha256Hex }).strict(),
    output: z.object({ revealId: RevealId }),
    access: 'signed-in',
  },
});
