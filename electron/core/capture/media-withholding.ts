import { createHash } from 'node:crypto';
import type { RecordedExchange } from './network-recorder';

/**
 * Restricted ("do-not-possess") capture of media. Invariant: once a capture is restricted (the
 * resource is flagged `suspected_csam`, or one of its media matched a known-hash list), no image,
 * video or audio body of it is kept: each is hashed, handed to the withheld sink (which keeps
 * nothing by default), and its bytes are dropped from the exchange before anything is written, so
 * they never reach the WARC or the blob store; the record lists each withheld item with its hashes
 * and the reason. A capture that is not restricted only hashes media when there is a list to match.
 */

/** The hashes of one media body (media-hashes.ts computes them; PDQ only for images it can decode). */
export type MediaHashes = Readonly<{
  sha256: string;
  md5: string;
  pdq: string | null;
  pdqQuality?: number | null;
  pdqSkipped?: string;
}>;

export type HashMedia = (bytes: Buffer, contentType: string) => MediaHashes | Promise<MediaHashes>;

/** A known-hash list entry a media body matched (media-matcher.ts). */
export type KnownHashMatch = Readonly<{ list: string; label: string; how: string }>;

/** A reviewer's earlier assessment of an item, which labels it for the next reviewer. */
export type PriorLabel = Readonly<{ label: string; assessedBy: string; assessedAt: string; by: string }>;

export type KnownHashMatcher = Readonly<{
  match: (hashes: MediaHashes) => KnownHashMatch | null | Promise<KnownHashMatch | null>;
  /** The newest assessment of the same item or a PDQ-near one; absent: none are looked up. */
  assessed?: (hashes: MediaHashes) => Promise<PriorLabel | null>;
}>;

/** Where withheld bytes may go instead of nowhere (a deployment's encrypted vault); default: nowhere. */
export type WithheldSink = Readonly<{
  keep: (bytes: Buffer, hashes: MediaHashes, item: WithheldItem) => Promise<void>;
}>;

export const DISCARD_SINK: WithheldSink = { keep: () => Promise.resolve() };

/** `placeholders`: screenshots with every medium replaced by a neutral box; `none`: no screenshot. */
export type RestrictedScreenshots = 'placeholders' | 'none';

export type MediaPolicy = Readonly<{
  /** The resource is flagged: the capture is restricted from its start. */
  restricted: boolean;
  hash: HashMedia;
  /** Known-hash lists; null when none is imported (an ordinary capture then hashes nothing). */
  matcher: KnownHashMatcher | null;
  sink: WithheldSink;
  screenshots: RestrictedScreenshots;
}>;

export type WithheldReason = 'suspected_csam' | 'known-hash';

export type WithheldItem = Readonly<{
  url: string;
  contentType: string;
  bytes: number;
  sha256: string;
  md5: string;
  pdq: string | null;
  reason: WithheldReason;
  /** Why in words: the flag, or the list entry that matched. */
  because: string;
  match?: KnownHashMatch;
  assessment?: PriorLabel;
}>;

export type MediaWithholding = {
  readonly policy: MediaPolicy;
  restricted(): boolean;
  /** The first list match of the capture (it made the capture restricted); null if none. */
  readonly firstMatch: () => Readonly<{ url: string; match: KnownHashMatch }> | null;
  readonly withheld: WithheldItem[];
  /** Set by the snapshot stage when it photographed the page restricted (media-placeholders.ts). */
  snapshotRestricted: boolean;
  /** Set when a late match took back the snapshot's screenshots (media-withdrawal.ts). */
  visualsWithdrawn: boolean;
  /** Hashes, matches and drops what arrived so far; an exchange is looked at once. */
  screen(exchanges: readonly RecordedExchange[]): Promise<void>;
};

export function startWithholding(policy: MediaPolicy): MediaWithholding {
  let restricted = policy.restricted;
  let firstMatch: Readonly<{ url: string; match: KnownHashMatch }> | null = null;
  const withheld: WithheldItem[] = [];
  /** Each medium is hashed and matched once, when its body is first seen. */
  const hashed = new WeakMap<
    RecordedExchange,
    Readonly<{ body: Buffer; contentType: string; hashes: MediaHashes; match: KnownHashMatch | null }>
  >();
  const dropped = new WeakSet<RecordedExchange>();
  /** The inline `data:` media of each finished body, hashed and matched once. */
  const inline = new WeakMap<RecordedExchange, readonly InlineMedium[]>();
  const listed = new Set<string>();
  /** The item with a reviewer's earlier label, when there is one. */
  const labelled = async (item: WithheldItem, hashes: MediaHashes): Promise<WithheldItem> => {
    const prior = policy.matcher?.assessed ? await policy.matcher.assessed(hashes) : null;
    if (prior === null) return item;
    const { label, assessedBy, assessedAt, by } = prior;
    return { ...item, assessment: { label, assessedBy, assessedAt, by } };
  };
  const noteMatch = (url: string, match: KnownHashMatch | null): void => {
    if (match === null) return;
    restricted = true;
    firstMatch ??= { url, match };
  };
  /**
   * A page, style sheet or script can carry media inline as `data:` URLs: each is hashed and
   * matched like a fetched medium (finished bodies only, so that no URL is cut in half by a body
   * still arriving), in an ordinary capture too, since a match must restrict it.
   */
  const inspectInline = async (ex: RecordedExchange): Promise<readonly InlineMedium[]> => {
    const known = inline.get(ex);
    if (known !== undefined) return known;
    const body = ex.body;
    if (dropped.has(ex) || !ex.finished || body === null || body.length === 0 || ex.response === null)
      return [];
    const text = body.toString('latin1');
    const found: InlineMedium[] = [];
    for (const [i, m] of dataMediaIn(text).entries()) {
      const hashes = await hashSafely(policy.hash, m.bytes, m.mediaType);
      const match = policy.matcher ? await policy.matcher.match(hashes) : null;
      const medium = {
        url: `${ex.url} (data: URL ${i + 1})`,
        mediaType: m.mediaType,
        bytes: m.bytes,
        hashes,
        match,
      };
      noteMatch(medium.url, match);
      found.push(medium);
    }
    inline.set(ex, found);
    return found;
  };
  /** In a restricted capture each inline medium is listed and cut from the body as kept. */
  const cutDataMedia = async (ex: RecordedExchange): Promise<void> => {
    const media = await inspectInline(ex);
    if (media.length === 0 || ex.body === null) return;
    for (const m of media) {
      const key = `${ex.url} ${m.hashes.sha256}`;
      if (listed.has(key)) continue;
      listed.add(key);
      const item: WithheldItem = {
        url: m.url,
        contentType: m.mediaType,
        bytes: m.bytes.length,
        sha256: m.hashes.sha256,
        md5: m.hashes.md5,
        pdq: m.hashes.pdq,
        ...(m.match
          ? {
              reason: 'known-hash' as const,
              because: `a data: medium inside this response matched ${m.match.how} on list ${m.match.list} (${m.match.label}); it was cut from the body as kept`,
              match: m.match,
            }
          : {
              reason: 'suspected_csam' as const,
              because: 'a data: medium inside this response; it was cut from the body as kept',
            }),
      };
      const shown = await labelled(item, m.hashes);
      await policy.sink.keep(m.bytes, m.hashes, shown);
      withheld.push(shown);
    }
    ex.body = Buffer.from(cutDataUrls(ex.body.toString('latin1')), 'latin1');
  };
  /** Drops one hashed medium's bytes from the exchange and lists it. */
  const withhold = async (
    ex: RecordedExchange,
    h: Readonly<{ body: Buffer; contentType: string; hashes: MediaHashes; match: KnownHashMatch | null }>,
  ): Promise<void> => {
    const { body, contentType, hashes, match } = h;
    // A `data:` URL is the medium itself: it is named by its type only, everywhere after this.
    if (ex.url.startsWith('data:')) ex.url = cutDataUrls(ex.url);
    const item: WithheldItem = {
      url: ex.url,
      contentType,
      bytes: body.length,
      sha256: hashes.sha256,
      md5: hashes.md5,
      pdq: hashes.pdq,
      reason: match ? 'known-hash' : 'suspected_csam',
      because: match
        ? `matched ${match.how} on list ${match.list} (${match.label})`
        : restricted && !policy.restricted
          ? 'another medium of this capture matched a known-hash list: media are hashed and not kept'
          : 'the resource is flagged suspected_csam: media are hashed and not kept',
      ...(match ? { match } : {}),
    };
    const shown = await labelled(item, hashes);
    await policy.sink.keep(body, hashes, shown);
    withheld.push(shown);
    dropped.add(ex);
    ex.body = Buffer.alloc(0);
    ex.withheld = shown;
  };
  return {
    policy,
    snapshotRestricted: false,
    visualsWithdrawn: false,
    restricted: () => restricted,
    firstMatch: () => firstMatch,
    withheld,
    async screen(exchanges) {
      if (!restricted && policy.matcher === null) return;
      // First every new medium, fetched or inline, is hashed and matched: a match anywhere makes
      // the whole capture restricted, media that arrived before it included.
      for (const ex of exchanges) {
        if (dropped.has(ex)) {
          // A body that arrived again after it was dropped (a late read) is dropped again.
          ex.body = ex.body === null ? null : Buffer.alloc(0);
          continue;
        }
        const body = ex.body;
        if (hashed.has(ex) || body === null || body.length === 0 || ex.response === null) continue;
        const contentType = contentTypeOf(ex);
        if (!isMedia(contentType, body)) continue;
        const hashes = await hashSafely(policy.hash, body, contentType);
        const match = policy.matcher ? await policy.matcher.match(hashes) : null;
        hashed.set(ex, { body, contentType, hashes, match });
        noteMatch(ex.url, match);
      }
      if (policy.matcher !== null) for (const ex of exchanges) await inspectInline(ex);
      if (!restricted) return;
      for (const ex of exchanges) {
        const h = hashed.get(ex);
        if (h !== undefined && !dropped.has(ex)) await withhold(ex, h);
      }
      for (const ex of exchanges) await cutDataMedia(ex);
    },
  };
}

type InlineMedium = Readonly<{
  url: string;
  mediaType: string;
  bytes: Buffer;
  hashes: MediaHashes;
  match: KnownHashMatch | null;
}>;

/** A `data:` URL of an image, video or audio medium (its payload up to the first character that ends it). */
export const DATA_MEDIA = /data:(image|video|audio)\/[a-z0-9.+-]+(?:;[a-z0-9=.+-]+)*,[A-Za-z0-9+/=%_.~-]*/gi;

/** The text with each `data:` medium cut to `data:<family>/withheld,`. */
export const cutDataUrls = (text: string): string =>
  text.replace(DATA_MEDIA, (_m, family: string) => `data:${family}/withheld,`);

/** The decoded media of every `data:` URL in a text. */
export function dataMediaIn(text: string): { mediaType: string; bytes: Buffer }[] {
  const found = Array.from(text.matchAll(DATA_MEDIA), (m) => {
    const url = m[0];
    const comma = url.indexOf(',');
    const head = url.slice(5, comma);
    const payload = url.slice(comma + 1);
    const bytes = /;base64$/i.test(head)
      ? Buffer.from(payload, 'base64')
      : Buffer.from(decodeURIComponentSafe(payload), 'latin1');
    return { mediaType: head.split(';')[0] ?? head, bytes };
  });
  // A URL already cut (`data:image/withheld,`) has nothing left in it.
  return found.filter((m) => m.bytes.length > 0);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Without media-hashes.ts: the exact digests only (no perceptual hash). */
export const exactHashes: HashMedia = (bytes) => ({
  sha256: createHash('sha256').update(bytes).digest('hex'),
  md5: createHash('md5').update(bytes).digest('hex'),
  pdq: null,
  pdqSkipped: 'no perceptual hash in this build',
});

/** A hasher that throws must not keep the bytes: the exact digests are always computable. */
async function hashSafely(hash: HashMedia, body: Buffer, contentType: string): Promise<MediaHashes> {
  try {
    return await hash(body, contentType);
  } catch (error) {
    return { ...(await exactHashes(body, contentType)), pdqSkipped: `hashing failed: ${String(error)}` };
  }
}

function contentTypeOf(ex: RecordedExchange): string {
  const res = ex.response;
  if (res === null) return '';
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === 'content-type') return v;
  return res.mimeType;
}

/**
 * An image, video or audio body, by its declared type or by its first bytes: a hostile server
 * declares an image as text, so the bytes decide as much as the header.
 */
export function isMedia(contentType: string, body: Buffer): boolean {
  if (/^\s*(image|video|audio)\//i.test(contentType)) return true;
  return sniffMedia(body) !== null;
}

const at = (b: Buffer, offset: number, ascii: string): boolean =>
  b.length >= offset + ascii.length && b.toString('latin1', offset, offset + ascii.length) === ascii;

/** The media family the first bytes say, or null (magic numbers of the common formats). */
export function sniffMedia(b: Buffer): 'image' | 'video' | 'audio' | null {
  if (at(b, 0, '\x89PNG\r\n\x1a\n') || at(b, 0, '\xff\xd8\xff') || at(b, 0, 'GIF8')) return 'image';
  if (at(b, 0, 'RIFF') && at(b, 8, 'WEBP')) return 'image';
  if (at(b, 0, 'II*\x00') || at(b, 0, 'MM\x00*') || at(b, 0, '\x00\x00\x01\x00')) return 'image';
  if (at(b, 0, 'BM') && b.length >= 26 && b.readUInt32LE(2) === b.length) return 'image';
  if (at(b, 4, 'ftyp')) {
    const brand = b.toString('latin1', 8, 12);
    return /^(avif|avis|heic|heix|mif1|msf1)$/.test(brand) ? 'image' : 'video';
  }
  if (at(b, 0, '\x1a\x45\xdf\xa3')) return 'video';
  if (at(b, 0, 'RIFF') && at(b, 8, 'AVI ')) return 'video';
  if (at(b, 0, 'RIFF') && at(b, 8, 'WAVE')) return 'audio';
  if (at(b, 0, 'OggS') || at(b, 0, 'fLaC') || at(b, 0, 'ID3')) return 'audio';
  if (b.length >= 2 && b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0 && ((b[1] ?? 0) & 0x06) !== 0)
    return 'audio';
  const head = b.toString('utf8', 0, Math.min(b.length, 256)).trimStart();
  if (/^(<\?xml[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'image';
  return null;
}

/** What the record and the manifest say of a restricted capture (absent on an ordinary one). */
export type RestrictedSummary = Readonly<{
  restricted: true;
  /** Why the capture is restricted: the resource's flag, or a known-hash list match during it. */
  because: 'suspected_csam' | 'known-hash';
  match?: Readonly<{ url: string; match: KnownHashMatch }>;
  withheld: readonly WithheldItem[];
  /** The screenshots: with media as placeholders, not taken (policy), or taken back after a late match. */
  screenshots: RestrictedScreenshots | 'withdrawn';
  /** The artifacts not made because they would embed media. */
  notKept: readonly Readonly<{ kind: 'mhtml'; reason: string }>[];
}>;

export function restrictedSummary(w: MediaWithholding): RestrictedSummary | null {
  if (!w.restricted()) return null;
  const first = w.firstMatch();
  return {
    restricted: true,
    because: w.policy.restricted ? 'suspected_csam' : 'known-hash',
    ...(first ? { match: first } : {}),
    withheld: [...w.withheld],
    screenshots: w.visualsWithdrawn ? 'withdrawn' : w.policy.screenshots,
    notKept: [
      { kind: 'mhtml', reason: 'MHTML embeds every image of the page; restricted captures keep no media' },
    ],
  };
}
