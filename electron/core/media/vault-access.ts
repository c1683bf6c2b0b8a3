import { randomBytes } from 'node:crypto';
import type { WithheldMedia } from '@shared/domain/capture-record';
import type { User } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { listCaptures } from '../db/repositories/captures-repo';
import { csamAuthorised, insertCsamAuthorisation } from '../db/repositories/wellbeing-repo';
import type { Workspace } from '../workspace';
import type { RestrictedVault } from './restricted-vault';

/**
 * Who may see what of the restricted vault, and how its items leave it. Invariants:
 * - `csam_authorised` is an authorisation an administrator grants or withdraws (append-only rows,
 *   each a custody event with its reason) beside the user's role, never a role of its own;
 * - an item leaves the vault only to an authorised user, one fetch per grant: `grantRead` (a custody
 *   event) lets the next request of that user for that item through the artifact server, within a
 *   minute; the decryption itself is logged again by the vault (`vault.read`);
 * - the plaintext is never written to disk by the artifact path: the blurred stand-in is made in
 *   memory, the original streamed from memory.
 */

export const VAULT_GRANT_MS = 60_000;

export type VaultItem = WithheldMedia & Readonly<{ captureId: string; inVault: boolean }>;

export type VaultListing = { authorised: boolean; items: VaultItem[] };

export type VaultAccess = Readonly<{
  /** Grants (`authorised`) or withdraws a user's vault authorisation; `actor` is the administrator. */
  authorise: (target: User, authorised: boolean, actor: string, reason: string) => Promise<void>;
  isAuthorised: (user: User) => Promise<boolean>;
  /** The media a resource's restricted captures withheld, and which of them the vault holds. */
  list: (user: User, resourceId: string) => Promise<VaultListing>;
  /** One fetch of an item by this user through the artifact server (refused, and logged, unless authorised). */
  grantRead: (
    user: User,
    resourceId: string,
    sha256: string,
  ) => Promise<Readonly<{ grantId: string; expiresAt: string }>>;
  /** Uses up one grant: the item's plaintext and media type, or null without a live grant. */
  takeRead: (user: User, sha256: string) => Promise<Readonly<{ bytes: Buffer; mediaType: string }> | null>;
  /** The withheld entry of `sha256` among the resource's captures (null: not withheld there). */
  withheldOf: (resourceId: string, sha256: string) => Promise<VaultItem | null>;
}>;

type Grant = Readonly<{ grantId: string; until: number; mediaType: string }>;

function createVaultAccess(ws: Workspace, vault: RestrictedVault): VaultAccess {
  const grants = new Map<string, Grant[]>();
  const keyOf = (userId: string, sha256: string): string => `${userId}\u0000${sha256}`;

  const itemsOf = async (resourceId: string): Promise<VaultItem[]> => {
    const captures = await ws.db.read((c) => listCaptures(c, resourceId, ws.blobs.pathOf));
    const seen = new Set<string>();
    const items: VaultItem[] = [];
    for (const capture of captures)
      for (const item of capture.withheld ?? []) {
        if (seen.has(item.sha256)) continue;
        seen.add(item.sha256);
        items.push({ ...item, captureId: capture.id, inVault: vault.has(item.sha256) });
      }
    return items;
  };

  const isAuthorised = (user: User): Promise<boolean> => ws.db.read((c) => csamAuthorised(c, user.id));

  const refuse = async (user: User, sha256: string): Promise<never> => {
    await ws.record((_tx, audit) =>
      audit({ actor: user.name, action: 'vault.read-refused', subject: `media:${sha256}` }),
    );
    throw new AppError(
      'auth.forbidden',
      'the restricted vault is readable only by users an administrator authorised for it (csam_authorised)',
    );
  };

  const withheldOf = async (resourceId: string, sha256: string): Promise<VaultItem | null> =>
    (await itemsOf(resourceId)).find((i) => i.sha256 === sha256) ?? null;

  return {
    authorise: (target, authorised, actor, reason) =>
      ws.record(async (tx, audit) => {
        await insertCsamAuthorisation(tx, {
          userId: target.id,
          authorised,
          actor,
          reason,
          at: ws.clock().toISOString(),
        });
        await audit({
          actor,
          action: authorised ? 'csam_authorised.granted' : 'csam_authorised.withdrawn',
          subject: `user:${target.name}`,
          details: { reason },
        });
      }),
    isAuthorised,
    list: async (user, resourceId) => ({
      authorised: await isAuthorised(user),
      items: await itemsOf(resourceId),
    }),
    withheldOf,
    grantRead: async (user, resourceId, sha256) => {
      if (!(await isAuthorised(user))) return refuse(user, sha256);
      const item = await withheldOf(resourceId, sha256);
      if (item === null || !item.inVault)
        throw new AppError('evidence.not-found', `the vault holds no item ${sha256} of this resource`);
      const now = ws.clock().getTime();
      const grant: Grant = {
        grantId: `vgr_${randomBytes(12).toString('hex')}`,
        until: now + VAULT_GRANT_MS,
        mediaType: item.contentType,
      };
      await ws.record((_tx, audit) =>
        audit({
          actor: user.name,
          action: 'vault.read-granted',
          subject: `resource:${resourceId}`,
          details: { sha256, grantId: grant.grantId, captureId: item.captureId },
        }),
      );
      // Expired grants of every key go first, so the table holds at most a minute of grants.
      for (const [key, held] of grants) {
        const live = held.filter((g) => g.until > now);
        if (live.length === 0) grants.delete(key);
        else grants.set(key, live);
      }
      const key = keyOf(user.id, sha256);
      grants.set(key, [...(grants.get(key) ?? []), grant]);
      return { grantId: grant.grantId, expiresAt: new Date(grant.until).toISOString() };
    },
    takeRead: async (user, sha256) => {
      const key = keyOf(user.id, sha256);
      const now = ws.clock().getTime();
      const live = (grants.get(key) ?? []).filter((g) => g.until > now);
      const grant = live.shift();
      if (live.length === 0) grants.delete(key);
      else grants.set(key, live);
      if (grant === undefined) return null;
      // The vault re-checks the authorisation (withdrawn meanwhile: refused and logged) and logs the read.
      const bytes = await vault.read(sha256, { user });
      return { bytes, mediaType: grant.mediaType };
    },
  };
}

const byWorkspace = new WeakMap<Workspace, VaultAccess>();

/** One vault access per open workspace (its grants live in memory: a restart ends them all). */
export function vaultAccessOf(ws: Workspace, vault: RestrictedVault): VaultAccess {
  let access = byWorkspace.get(ws);
  if (access === undefined) {
    access = createVaultAccess(ws, vault);
    byWorkspace.set(ws, access);
  }
  return access;
}
