import type { Clock } from '../clock';
import type { Workspace } from '../workspace';

/** How long a reveal stays good for the request that loads the image: the click and one fetch. */
export const REVEAL_GRANT_MS = 60_000;

export type RevealGrants = Readonly<{
  /** After `media.reveal` (and its custody row): the next request of this user for the image gets the original. */
  grant: (userId: string, sha256: string) => void;
  /** Uses up one grant of this user for this image; false when there is none or it has expired. */
  take: (userId: string, sha256: string) => boolean;
}>;

function createRevealGrants(clock: Clock): RevealGrants {
  // One entry per reveal: two reveals (the viewer and the comparison) are two requests.
  const held = new Map<string, number[]>();
  const keyOf = (userId: string, sha256: string): string => `${userId}\u0000${sha256}`;
  return {
    grant: (userId, sha256) => {
      const now = clock().getTime();
      // Expired grants of every key go first, so the table stays as small as the reveals of a minute.
      for (const [key, until] of held) {
        const live = until.filter((t) => t > now);
        if (live.length === 0) held.delete(key);
        else held.set(key, live);
      }
      const key = keyOf(userId, sha256);
      held.set(key, [...(held.get(key) ?? []), now + REVEAL_GRANT_MS]);
    },
    take: (userId, sha256) => {
      const key = keyOf(userId, sha256);
      const now = clock().getTime();
      const live = (held.get(key) ?? []).filter((t) => t > now);
      const used = live.length > 0;
      live.shift();
      if (live.length === 0) held.delete(key);
      else held.set(key, live);
      return used;
    },
  };
}

// Grants live with the open workspace (the process that holds the data dir), never in the database:
// a grant is good for a minute and a restart ends them all.
const grantsByWorkspace = new WeakMap<Workspace, RevealGrants>();

export function revealGrantsOf(ws: Workspace): RevealGrants {
  let grants = grantsByWorkspace.get(ws);
  if (grants === undefined) {
    grants = createRevealGrants(ws.clock);
    grantsByWorkspace.set(ws, grants);
  }
  return grants;
}
