import type { CaptureRecord, SuspectedCsamFlag } from '@shared/domain/capture-record';
import type { AuditEntry } from '../custody/audit-log';
import type { WriteConn } from '../db/database';
import { raiseFlagIn, suspectedCsamOf, type SuspectedCsam } from '../review/suspected-csam-flag';
import type { KeyedSettings } from '../settings/keyed-settings';
import type { Workspace } from '../workspace';
import {
  DISCARD_SINK,
  exactHashes,
  type HashMedia,
  type KnownHashMatcher,
  type MediaPolicy,
  type RestrictedScreenshots,
  type WithheldSink,
} from './media-withholding';

/**
 * The media policy of one capture: restricted from the start when the resource is flagged
 * `suspected_csam`; matched against the known-hash lists whether flagged or not. A list match
 * raises the flag (source `hashlist`) in the transaction that stores the capture.
 */
export type CaptureMediaDeps = Readonly<{
  /** SHA-256, MD5 and PDQ of a body (media-hashes.ts); exact digests only when not given. */
  hash?: HashMedia;
  /** The imported known-hash lists as one matcher; null (or absent) when none is imported. */
  matcher?: () => Promise<KnownHashMatcher | null>;
  /** Where withheld bytes go (the restricted vault, by deployment policy); nowhere by default. */
  sink?: () => Promise<WithheldSink>;
  /** Restricted screenshots: media as placeholders (default) or none at all. */
  screenshots?: () => Promise<RestrictedScreenshots>;
}>;

/**
 * Do-not-possess terms decided elsewhere: a team server's, for the job its worker captures. They
 * replace this workspace's flag, lists and screenshot setting, and withheld bytes go nowhere (a
 * worker has no vault of the unit's).
 */
export type MediaTerms = Readonly<{
  suspectedCsam: SuspectedCsamFlag | null;
  matcher: KnownHashMatcher | null;
  screenshots: RestrictedScreenshots;
}>;

type ResolvedTerms = Readonly<{
  flag: SuspectedCsamFlag | null;
  matcher: KnownHashMatcher | null;
  sink: () => Promise<WithheldSink>;
  screenshots: () => Promise<RestrictedScreenshots>;
}>;

/** The flag a capture is restricted under: raised, and not by an admin (who only lifts). */
export function flagInForce(state: SuspectedCsam): SuspectedCsamFlag | null {
  const last = state.last;
  return state.flagged && last !== null && last.source !== 'admin'
    ? { source: last.source, reason: last.reason }
    : null;
}

/** This workspace's own terms: the resource's flag, the imported lists, the vault and the setting. */
async function localTerms(
  ws: Workspace,
  deps: CaptureMediaDeps | undefined,
  resourceId: string,
): Promise<ResolvedTerms> {
  return {
    flag: flagInForce(await ws.db.read((c) => suspectedCsamOf(c, resourceId))),
    matcher: deps?.matcher ? await deps.matcher() : null,
    sink: deps?.sink ?? (() => Promise.resolve(DISCARD_SINK)),
    screenshots: deps?.screenshots ?? (() => Promise.resolve('placeholders')),
  };
}

const givenTerms = (terms: MediaTerms): ResolvedTerms => ({
  flag: terms.suspectedCsam,
  matcher: terms.matcher,
  sink: () => Promise.resolve(DISCARD_SINK),
  screenshots: () => Promise.resolve(terms.screenshots),
});

export async function mediaPolicyFor(
  ws: Workspace,
  deps: CaptureMediaDeps | undefined,
  resourceId: string,
  given?: MediaTerms,
): Promise<{ policy: MediaPolicy | undefined; flag: SuspectedCsamFlag | null }> {
  const terms = given !== undefined ? givenTerms(given) : await localTerms(ws, deps, resourceId);
  // An ordinary capture with no list to match needs no policy: its media are kept as before, unhashed.
  if (terms.flag === null && terms.matcher === null) return { policy: undefined, flag: null };
  return {
    policy: {
      restricted: terms.flag !== null,
      hash: deps?.hash ?? exactHashes,
      matcher: terms.matcher,
      sink: await terms.sink(),
      screenshots: await terms.screenshots(),
    },
    flag: terms.flag,
  };
}

/**
 * The administrator's restricted screenshot policy (`vigil settings set restricted.screenshots
 * none`), read at each capture so a change applies to the next one; anything unreadable is the
 * default, placeholders, which shows no medium either.
 */
export async function restrictedScreenshotsSetting(keyed: KeyedSettings): Promise<RestrictedScreenshots> {
  return (await keyed.get('restricted.screenshots')) === 'none' ? 'none' : 'placeholders';
}

/** A capture restricted by a list match flags its resource (a custody event), once. */
export async function flagOnListMatch(
  tx: WriteConn,
  audit: (entry: AuditEntry) => Promise<unknown>,
  e: Readonly<{ resourceId: string; captureId: string; record: CaptureRecord; at: string }>,
): Promise<void> {
  const { record } = e;
  if (!record.restricted || record.suspectedCsam?.source !== 'hashlist') return;
  await raiseFlagIn(
    tx,
    audit,
    {
      resourceId: e.resourceId,
      source: 'hashlist',
      reason: record.suspectedCsam.reason,
      actor: 'system',
      at: e.at,
    },
    {
      captureId: e.captureId,
      matched: (record.withheld ?? []).filter((w) => w.reason === 'known-hash').map((w) => w.sha256),
    },
  );
}
