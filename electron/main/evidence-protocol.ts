import { Readable } from 'node:stream';
import { PACKET_CSP } from '../core/bridge/packet-csp';
import { EVIDENCE_SECURITY_HEADERS } from './csp';
import { APP_ORIGIN, EVIDENCE_HOST, EVIDENCE_SCHEME } from './origins';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `evidence://blob/<64 lowercase hex>` and nothing else: no query, fragment, port, credentials or extra path. */
export function parseEvidenceUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== `${EVIDENCE_SCHEME}:` || url.host !== EVIDENCE_HOST) return null;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null;
  const sha256 = url.pathname.startsWith('/') ? url.pathname.slice(1) : '';
  return SHA256_HEX.test(sha256) ? sha256 : null;
}

export const evidenceUrlOf = (sha256: string): string => `${EVIDENCE_SCHEME}://${EVIDENCE_HOST}/${sha256}`;

const REVEAL_QUERY = /^\?reveal=[0-9a-z]{1,32}$/;

/**
 * An evidence URL as the UI asks for it: `evidence://blob/<sha256>`, or with `?reveal=<n>` after a
 * `media.reveal` (the one query accepted: it asks for the original a reveal granted, see core/media).
 */
export function parseEvidenceRequest(raw: string): Readonly<{ sha256: string; reveal: boolean }> | null {
  const plain = parseEvidenceUrl(raw);
  if (plain !== null) return { sha256: plain, reveal: false };
  const at = raw.indexOf('?');
  if (at < 0 || !REVEAL_QUERY.test(raw.slice(at))) return null;
  const sha256 = parseEvidenceUrl(raw.slice(0, at));
  return sha256 === null ? null : { sha256, reveal: true };
}

/** `packet`: a review packet Vigil generated, shown in the PDF viewer rather than sandboxed. */
export type KnownBlob = Readonly<{
  bytes: number;
  mediaType: string | null;
  packet: boolean;
  /** The bytes to send when they are not the stored blob's own (a sensitive image's blurred stand-in). */
  open?: () => Readable;
  /** `reveal-required`: a page archive of a `minors` resource asked for without a reveal (nothing is sent). */
  variant?: string;
  /** Frees what `lookup` holds open for the bytes when they are not sent (HEAD, a refusal). */
  release?: () => void;
}>;

export type EvidenceDeps = Readonly<{
  /** Whether the window that owns this protocol handler has a signed-in session right now. */
  signedIn: () => boolean | Promise<boolean>;
  /**
   * The database's row for the blob, or null when the database does not know it; `reveal`: the URL
   * asks for a revealed original (core/media/artifact-access.ts decides what is served).
   */
  lookup: (sha256: string, reveal: boolean) => Promise<KnownBlob | null>;
  open: (sha256: string) => Readable;
}>;

// A stored media type comes from a capture; only a well-formed type/subtype goes into a header.
const MEDIA_TYPE =
  /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(; ?charset=[a-z0-9_-]{1,40})?$/i;

const refuse = (status: number, text: string): Response =>
  new Response(text, {
    status,
    headers: {
      ...EVIDENCE_SECURITY_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Access-Control-Allow-Origin': APP_ORIGIN,
    },
  });

/**
 * The read-only `evidence://` handler: GET/HEAD of blobs the database knows, only while the calling
 * window's session is signed in. The blob's bytes are streamed as stored; nothing here can write.
 */
export async function serveEvidenceRequest(
  request: Readonly<{ url: string; method: string }>,
  deps: EvidenceDeps,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed');
  const asked = parseEvidenceRequest(request.url);
  if (asked === null) return refuse(400, 'not an evidence URL');
  const { sha256 } = asked;
  if (!(await deps.signedIn())) return refuse(401, 'sign in first');
  const blob = await deps.lookup(sha256, asked.reveal);
  if (blob === null) return refuse(404, 'no such artifact');
  if (blob.variant === 'reveal-required') {
    blob.release?.();
    return refuse(403, 'open it through a reveal, which is logged');
  }
  const mediaType =
    blob.mediaType !== null && MEDIA_TYPE.test(blob.mediaType) ? blob.mediaType : 'application/octet-stream';
  const headers = {
    ...EVIDENCE_SECURITY_HEADERS,
    ...(blob.packet ? { 'Content-Security-Policy': PACKET_CSP } : {}),
    'Content-Type': mediaType,
    'Content-Length': String(blob.bytes),
    // The UI reads text artifacts with fetch() from app://vigil, a different origin.
    'Access-Control-Allow-Origin': APP_ORIGIN,
  };
  if (request.method === 'HEAD') {
    blob.release?.();
    return new Response(null, { status: 200, headers });
  }
  const body = Readable.toWeb(
    blob.open !== undefined ? blob.open() : deps.open(sha256),
  ) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}

/**
 * The evidence:// handler's answers for a window that works against a team server: the server's
 * `/artifacts` route decides (session, blur, reveal) and sends the bytes; this side only relays them
 * under the same headers as local evidence. Nothing of the evidence is kept on the desk.
 */
export function remoteEvidenceDeps(window: RemoteEvidenceWindow): EvidenceDeps {
  return {
    // The server checks the session again on every request (an expired one answers 401: not served).
    signedIn: window.signedIn,
    lookup: async (sha256, reveal) => {
      const reply = await window.artifact(sha256, reveal);
      if (reply === null || reply.status === 404 || reply.status === 401) return null;
      if (reply.status === 403)
        return { bytes: 0, mediaType: null, packet: false, variant: 'reveal-required' };
      if (reply.status !== 200) {
        reply.body.destroy();
        return null;
      }
      return {
        bytes: reply.bytes,
        mediaType: reply.mediaType,
        packet: reply.packet,
        open: () => reply.body,
        release: () => reply.body.destroy(),
      };
    },
    open: () => {
      throw new Error('remote evidence is streamed from the lookup');
    },
  };
}

export type RemoteArtifactReply = Readonly<{
  status: number;
  mediaType: string | null;
  bytes: number;
  packet: boolean;
  body: Readable;
}>;

export type RemoteEvidenceWindow = Readonly<{
  signedIn: () => boolean;
  artifact: (sha256: string, reveal: boolean) => Promise<RemoteArtifactReply | null>;
}>;
