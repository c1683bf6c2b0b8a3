import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Backend } from '../backend';
import { servedBlob } from '../db/repositories/blobs-repo';
import { mediaSensitivity } from '../db/repositories/sensitive-media-repo';
import type { Session } from '../rpc/dispatch';
import { packetPageImagesOf } from '../packet/packet-page-images';
import { blurredPng, createBlurCache } from './blurred-derivative';
import { vaultAccessOf } from './vault-access';
import { revealGrantsOf } from './reveal-grants';

/**
 * `original`: not sensitive; `revealed`: sensitive, through a reveal (custody row written); `blurred`:
 * the derivative; `reveal-required`: a page archive of a `minors` resource (it holds the page's
 * images and cannot be blurred), which goes out only through a reveal: nothing is sent.
 */
export type ArtifactVariant = 'original' | 'revealed' | 'blurred' | 'reveal-required';

/** What a request for a page archive of a `minors` resource is told when it comes without a reveal. */
export const REVEAL_REQUIRED_MESSAGE =
  'this file holds the captured page with its images: it is served only through a reveal (media.reveal), which is logged';

export type ServedArtifact = Readonly<{
  bytes: number;
  mediaType: string | null;
  packet: boolean;
  variant: ArtifactVariant;
  cacheControl: string;
  /** The bytes to send; the stream is destroyed at once if the user loses access while it runs. */
  open: () => Readable;
}>;

export type ArtifactAccess = Readonly<{
  /** Re-reads the session's user (revoking it, with its custody row, if disabled): true if still signed in. */
  signedIn: (session: Session, route: string) => Promise<boolean>;
  /**
   * What a signed-in session gets for `sha256`, or null for a blob the database does not know.
   * `reveal`: the request asks for the original of a sensitive image (it gets it only by using up
   * a grant its user's `media.reveal` left).
   */
  resolve: (session: Session, sha256: string, reveal: boolean) => Promise<ServedArtifact | null>;
}>;

/** Custody actions after which a user's in-flight downloads stop (as the event streams do). */
const ACCESS_ACTIONS: ReadonlySet<string> = new Set(['user.updated', 'session.revoked', 'session.expired']);

const IMMUTABLE = 'private, max-age=31536000, immutable';
// An image may become sensitive later (a `minors` report, `blurAllMedia`): a browser must ask again.
const REVALIDATE = 'private, no-cache';

/**
 * The one rule for serving stored blobs, used by the loopback bridge (`/artifacts/<sha256>`) and the
 * desktop shell (`evidence://`): only to a session whose user is (re-read now) signed in and not
 * disabled; a sensitive image — an image artifact of a `minors` resource, or every image when
 * `blurAllMedia` is on — only as its blurred greyscale derivative, unless its user revealed it a
 * moment ago (`media.reveal`, a custody event), and then exactly once.
 */
export function createArtifactAccess(backend: Backend): ArtifactAccess {
  const ws = backend.workspace;
  const cache = createBlurCache(ws.paths.root);

  const signedIn = async (session: Session, route: string): Promise<boolean> => {
    await backend.refreshSession(session, route);
    return session.user !== null;
  };

  /** Ends `stream` as soon as the session's user is disabled, signs out or the session ends. */
  const guarded = (session: Session, stream: Readable): Readable => {
    const name = session.user?.name ?? null;
    const unsubscribe = backend.events.subscribe((event) => {
      if (session.user === null || session.user.name !== name) return void stream.destroy();
      if (event.name !== 'audit.appended' || !ACCESS_ACTIONS.has(event.payload.action)) return;
      if (event.payload.subject === `user:${name ?? ''}`) stream.destroy();
    });
    stream.once('close', unsubscribe);
    return stream;
  };

  /**
   * A page image of the packet preview (not a stored blob): a page that draws a captured image is
   * sensitive exactly when a screenshot of its resource would be, and goes out the same way.
   */
  const resolvePacketPage = async (
    session: Session,
    sha256: string,
    reveal: boolean,
  ): Promise<ServedArtifact | null> => {
    const page = packetPageImagesOf(ws).lookup(sha256);
    const user = session.user;
    if (user === null) return null;
    if (page === null) return resolveVaultItem(session, sha256, reveal);
    const original = () => guarded(session, createReadStream(page.path));
    const sensitive = page.hasImages && (page.minors || (await backend.settings.get()).blurAllMedia);
    const base = { bytes: page.bytes, mediaType: 'image/png', packet: false };
    if (!sensitive) return { ...base, variant: 'original', cacheControl: REVALIDATE, open: original };
    if (reveal && revealGrantsOf(ws).take(user.id, sha256))
      return { ...base, variant: 'revealed', cacheControl: 'no-store', open: original };
    const derivative = await cache.derivative(sha256, () => createReadStream(page.path));
    return {
      ...base,
      bytes: derivative.bytes,
      variant: 'blurred',
      cacheControl: REVALIDATE,
      open: () => guarded(session, createReadStream(derivative.path)),
    };
  };

  /**
   * An item of the restricted vault, only against a `vault.read` grant of this user (used up here):
   * blurred and greyscale unless revealed, both made and sent from memory — never written to disk.
   */
  const resolveVaultItem = async (
    session: Session,
    sha256: string,
    reveal: boolean,
  ): Promise<ServedArtifact | null> => {
    const user = session.user;
    if (user === null) return null;
    const item = await vaultAccessOf(ws, backend.vault).takeRead(user, sha256);
    if (item === null) return null;
    const served = (bytes: Buffer) => () => guarded(session, Readable.from([bytes]));
    if (reveal && revealGrantsOf(ws).take(user.id, sha256))
      return {
        bytes: item.bytes.length,
        mediaType: item.mediaType,
        packet: false,
        variant: 'revealed',
        cacheControl: 'no-store',
        open: served(item.bytes),
      };
    const blurred = blurredPng(item.bytes);
    return {
      bytes: blurred.length,
      mediaType: 'image/png',
      packet: false,
      variant: 'blurred',
      cacheControl: 'no-store',
      open: served(blurred),
    };
  };

  return {
    signedIn,
    resolve: async (session, sha256, reveal) => {
      const user = session.user;
      if (user === null) return null;
      const [blob, sensitivity] = await ws.db.read(
        async (c) => [await servedBlob(c, sha256), await mediaSensitivity(c, sha256)] as const,
      );
      if (blob === null) return resolvePacketPage(session, sha256, reveal);
      const base = { bytes: blob.bytes, mediaType: blob.mediaType, packet: blob.packet };
      const original = () => guarded(session, ws.blobs.open(sha256));
      if (!blob.packet && sensitivity.minorsArchive) {
        if (reveal && revealGrantsOf(ws).take(user.id, sha256))
          return { ...base, variant: 'revealed', cacheControl: 'no-store', open: original };
        return {
          ...base,
          bytes: 0,
          variant: 'reveal-required',
          cacheControl: 'no-store',
          open: () => Readable.from([]),
        };
      }
      const sensitive =
        !blob.packet &&
        sensitivity.image &&
        (sensitivity.minors || (await backend.settings.get()).blurAllMedia);
      if (!sensitive)
        return {
          ...base,
          variant: 'original',
          cacheControl: sensitivity.image ? REVALIDATE : IMMUTABLE,
          open: original,
        };
      if (reveal && revealGrantsOf(ws).take(user.id, sha256))
        return { ...base, variant: 'revealed', cacheControl: 'no-store', open: original };
      const derivative = await cache.derivative(sha256, () => ws.blobs.open(sha256));
      return {
        bytes: derivative.bytes,
        mediaType: 'image/png',
        packet: false,
        variant: 'blurred',
        cacheControl: REVALIDATE,
        open: () => guarded(session, createReadStream(derivative.path)),
      };
    },
  };
}
