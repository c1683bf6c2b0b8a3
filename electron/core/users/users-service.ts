import { issuerPemOf, listOrgCas } from '../custody/org-ca';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Role, User } from '@shared/domain/users';
import { UserId } from '@shared/domain/ids';
import { requireKeyMatchesCertificate } from '../custody/key-match';
import { AppError } from '@shared/errors/app-error';
import {
  decryptSecret,
  EncryptedSecret,
  encryptSecret,
  hashPassword,
  verifyPassword,
} from '../custody/secrets';
import {
  countOtherEnabledAdmins,
  countUsers,
  insertUser,
  listUsers,
  updateUser,
  userById,
  userByName,
  type StoredUser,
} from '../db/repositories/users-repo';
import { lockedUserIds } from '../db/repositories/sign-in-lockouts-repo';
import type { Workspace } from '../workspace';
import { createSignInGuard, type SignInGuard } from './sign-in-guard';
import { issueUserCertificate, publishRevocations, revokeInTx, type Revoked } from './user-certificates';

const fingerprints = new Map<string, string>();
/** Parsing a certificate costs more than the row read of the per-call session check: remember it. */
const certificateSha256 = (pem: string): string => {
  const known = fingerprints.get(pem);
  if (known !== undefined) return known;
  const fp = new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
  fingerprints.set(pem, fp);
  return fp;
};

const toUser = (r: StoredUser): User => ({
  id: UserId.parse(r.id),
  name: r.name,
  displayName: r.displayName,
  role: r.role,
  createdAt: r.createdAt,
  disabled: r.disabled,
  certificateSha256: certificateSha256(r.certificatePem),
});

/**
 * `caPassphrase` unlocks the local CA for this one act (custody/ca-key.ts); it is needed once the CA
 * key is sealed under a passphrase, and the first one given becomes the CA passphrase.
 */
export type NewUser = Readonly<{
  name: string;
  displayName?: string;
  role: Role;
  password: string;
  caPassphrase?: string;
}>;

/**
 * A role or display-name change issues a new certificate (the old one is revoked as superseded);
 * disabling revokes the current one (cessationOfOperation); enabling issues a new one. Each needs the CA.
 */
export type UserChange = Readonly<{
  name: string;
  role?: Role;
  disabled?: boolean;
  displayName?: string;
  caPassphrase?: string;
}>;

export type SigningIdentity = Readonly<{
  user: User;
  privateKey: KeyObject;
  publicKeyPem: string;
  certificatePem: string;
  chainPem: readonly string[];
}>;

export type UsersService = Readonly<{
  count: () => Promise<number>;
  list: () => Promise<User[]>;
  byName: (name: string) => Promise<User | null>;
  /** `onlyIfNone` makes first-run set-up race-free: the check and the insert share one transaction. */
  create: (input: NewUser, actor: string, opts?: { onlyIfNone?: boolean }) => Promise<User>;
  /**
   * Changes role, enabled state or display name in one transaction with a `user.updated` custody
   * event. Nobody may disable or demote themself, and the last enabled admin stays an enabled admin.
   */
  update: (change: UserChange, actor: string) => Promise<User>;
  /** The user's current row for the per-call session check; null when the user no longer exists. */
  current: (id: UserId) => Promise<User | null>;
  authenticate: (name: string, password: string) => Promise<User>;
  /** `authenticate` behind the per-user and per-client backoff and the lockout (sign-in-guard.ts). */
  signIn: SignInGuard['signIn'];
  /** An administrator lifts a user's lockout; a custody event. */
  unlock: SignInGuard['unlock'];
  /** Only the user's own password unlocks their signing key (DESIGN §5). */
  unlockSigningKey: (name: string, password: string) => Promise<SigningIdentity>;
  publicIdentity: (
    name: string,
  ) => Promise<{ user: User; publicKeyPem: string; certificatePem: string } | null>;
}>;

export function createUsersService(ws: Workspace): UsersService {
  const base: Omit<UsersService, 'signIn' | 'unlock'> = {
    count: () => ws.db.read((c) => countUsers(c)),
    list: async () => {
      const [rows, locked] = await ws.db.read(
        async (c) => [await listUsers(c), await lockedUserIds(c)] as const,
      );
      return rows.map((row) => {
        const user = toUser(row);
        return { ...user, locked: locked.has(user.id) };
      });
    },
    byName: async (name) => {
      const row = await ws.db.read((c) => userByName(c, name));
      return row ? toUser(row) : null;
    },

    async create(input, actor, opts) {
      // A second first-run setup hears "setup done", not a CA passphrase question (checked again below).
      if (opts?.onlyIfNone === true && (await ws.db.read((c) => countUsers(c))) > 0)
        throw new AppError('auth.setup-done', 'an administrator already exists; sign in instead');
      // The CA first: a wrong CA passphrase must leave no trace (no key made, no row, no event).
      const ca = await ws.ca.unlock(input.caPassphrase, actor);
      // Key generation and scrypt are slow: do them before taking the write lock.
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const displayName = input.displayName?.trim() || input.name;
      const certificatePem = await issueUserCertificate(ws, ca, {
        publicKeyPem,
        displayName,
        role: input.role,
      });
      const passwordHash = await hashPassword(input.password);
      const encrypted = await encryptSecret(
        privateKey.export({ type: 'pkcs8', format: 'der' }),
        input.password,
      );
      const id = ws.ids('UserId');
      const createdAt = ws.clock().toISOString();

      const row = await ws.record(async (tx, audit) => {
        if (opts?.onlyIfNone === true) {
          if ((await countUsers(tx)) > 0)
            throw new AppError('auth.setup-done', 'an administrator already exists; sign in instead');
        }
        if (await userByName(tx, input.name))
          throw new AppError('user.exists', `a user named ${input.name} already exists`);
        await insertUser(tx, {
          id,
          name: input.name,
          displayName,
          role: input.role,
          passwordHash,
          publicKeyPem,
          certificatePem,
          privateKeyEnc: JSON.stringify(encrypted),
          createdAt,
        });
        const created = await userByName(tx, input.name);
        if (!created) throw new AppError('internal.unexpected', 'user row vanished after insert');
        const user = toUser(created);
        await audit({
          actor,
          action: 'user.created',
          subject: `user:${user.name}`,
          details: { id: user.id, role: user.role, displayName, certificateSha256: user.certificateSha256 },
        });
        return created;
      });
      return toUser(row);
    },

    async update(change, actor) {
      // Certificate issuance is async work outside the write lock; if the row moves in between, the
      // certificate would certify a stale role, so start again from the new row.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const before = await ws.db.read((c) => userByName(c, change.name));
        if (!before) throw new AppError('user.not-found', `no user named ${change.name}`);
        const role = change.role ?? before.role;
        const displayName = change.displayName?.trim() || before.displayName;
        const disabled = change.disabled ?? before.disabled;
        checkSelfChange(before, actor, role, disabled);
        const plan = certificatePlan(before, { role, displayName, disabled });
        const ca =
          plan.reissue || plan.revoke !== null ? await ws.ca.unlock(change.caPassphrase, actor) : null;
        const certificatePem =
          plan.reissue && ca !== null
            ? await issueUserCertificate(ws, ca, { publicKeyPem: before.publicKeyPem, displayName, role })
            : before.certificatePem;
        const reissue = certificatePem !== before.certificatePem;
        // Decisions already signed name the old certificate by fingerprint; bundle export and the
        // block list look for certificates no longer in the users table in this folder.
        if (reissue) await keepCertificate(ws, before.certificatePem);

        const row = await ws.record(async (tx, audit) => {
          const now = await userByName(tx, change.name);
          if (!now || !sameRow(now, before)) return null;
          const losesAdmin = before.role === 'admin' && !before.disabled && (role !== 'admin' || disabled);
          if (losesAdmin && (await countOtherEnabledAdmins(tx, before.id)) === 0)
            throw new AppError(
              'input.invalid',
              `${before.name} is the last enabled administrator: add or enable another administrator first`,
            );
          const changed =
            role !== before.role || displayName !== before.displayName || disabled !== before.disabled;
          if (!changed) return now;
          await updateUser(tx, before.id, { role, displayName, disabled, certificatePem });
          const revoked: Revoked | null =
            plan.revoke === null
              ? null
              : await revokeInTx(tx, ws, {
                  pem: before.certificatePem,
                  sha256: toUser(before).certificateSha256,
                  userId: before.id,
                  reason: plan.revoke,
                  by: actor,
                });
          const after = await userByName(tx, change.name);
          if (!after) throw new AppError('internal.unexpected', 'user row vanished after update');
          const old = toUser(before);
          const neu = toUser(after);
          await audit({
            actor,
            action: 'user.updated',
            subject: `user:${before.name}`,
            details: {
              id: before.id,
              old: {
                role: old.role,
                disabled: old.disabled,
                displayName: old.displayName,
                certificateSha256: old.certificateSha256,
              },
              new: {
                role: neu.role,
                disabled: neu.disabled,
                displayName: neu.displayName,
                certificateSha256: neu.certificateSha256,
              },
              // The superseded certificate stays valid for what it signed; keeping it in the log makes
              // it recoverable and tamper-evident even if the key folder is lost.
              ...(reissue ? { supersededCertificatePem: before.certificatePem } : {}),
              ...(revoked === null ? {} : { revoked }),
            },
          });
          return after;
        });
        if (row !== null) {
          if (plan.revoke !== null && ca !== null) await publishRevocations(ws, ca);
          return toUser(row);
        }
      }
      throw new AppError('input.invalid', `${change.name} is being changed by someone else; try again`);
    },

    current: async (id) => {
      const row = await ws.db.read((c) => userById(c, id));
      return row ? toUser(row) : null;
    },

    async authenticate(name, password) {
      const row = await ws.db.read((c) => userByName(c, name));
      // Same answer (and the same scrypt cost) whether the name or the password is wrong.
      const ok = row
        ? await verifyPassword(password, row.passwordHash)
        : await verifyPassword(password, DUMMY_HASH);
      if (!row || !ok || row.disabled)
        throw new AppError('auth.bad-credentials', 'wrong user name or password');
      return toUser(row);
    },

    async unlockSigningKey(name, password) {
      const row = await ws.db.read((c) => userByName(c, name));
      if (!row) throw new AppError('user.not-found', `no user named ${name}`);
      const der = await decryptSecret(EncryptedSecret.parse(JSON.parse(row.privateKeyEnc)), password);
      const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      // A key that does not match the certified public key must never sign anything.
      const derivedPub = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
      if (derivedPub !== row.publicKeyPem)
        throw new AppError(
          'custody.key-mismatch',
          `the stored key of ${name} does not match its certificate`,
        );
      requireKeyMatchesCertificate(privateKey, row.certificatePem, {
        key: `the stored key of ${name}`,
        certificate: `the certificate of ${name}`,
      });
      return {
        user: toUser(row),
        privateKey,
        publicKeyPem: row.publicKeyPem,
        certificatePem: row.certificatePem,
        // The CA that issued the user's certificate: an organisation CA's after `vigil ca install-cert`.
        chainPem: [issuerPemOf(row.certificatePem, ws.ca.certPem, await listOrgCas(ws.paths))],
      };
    },

    async publicIdentity(name) {
      const row = await ws.db.read((c) => userByName(c, name));
      return row
        ? { user: toUser(row), publicKeyPem: row.publicKeyPem, certificatePem: row.certificatePem }
        : null;
    },
  };
  const guard = createSignInGuard(ws, base.authenticate);
  return { ...base, signIn: guard.signIn, unlock: guard.unlock };
}

/**
 * Which certificate acts a change needs. A disabled user keeps the (revoked) certificate it had; the
 * role it is given while disabled is certified when it is enabled again.
 */
function certificatePlan(
  before: StoredUser,
  after: Readonly<{ role: Role; displayName: string; disabled: boolean }>,
): { reissue: boolean; revoke: 'superseded' | 'cessationOfOperation' | null } {
  const renamed = after.role !== before.role || after.displayName !== before.displayName;
  if (after.disabled) {
    return { reissue: false, revoke: before.disabled ? null : 'cessationOfOperation' };
  }
  const enabling = before.disabled;
  const reissue = renamed || enabling;
  return { reissue, revoke: reissue && !before.disabled ? 'superseded' : null };
}

const sameRow = (a: StoredUser, b: StoredUser): boolean =>
  a.role === b.role &&
  a.disabled === b.disabled &&
  a.displayName === b.displayName &&
  a.certificatePem === b.certificatePem;

/** An admin who could lock themself out would need the OS account to get back in: refuse it. */
function checkSelfChange(row: StoredUser, actor: string, role: Role, disabled: boolean): void {
  if (actor !== row.name) return;
  if (disabled && !row.disabled)
    throw new AppError('auth.forbidden', 'you cannot disable your own account; ask another administrator');
  if (row.role === 'admin' && role !== 'admin')
    throw new AppError(
      'auth.forbidden',
      'you cannot remove your own administrator role; ask another administrator',
    );
}

async function keepCertificate(ws: Workspace, pem: string): Promise<void> {
  const dir = join(ws.paths.keys, 'imported', 'users');
  const file = join(dir, `${certificateSha256(pem)}.crt.pem`);
  if (existsSync(file)) return;
  await mkdir(dir, { recursive: true });
  await writeFile(file, pem, { mode: 0o644 });
}

// A well-formed hash that no password matches, so an unknown user name costs the same scrypt time as a
// wrong password and the two can't be told apart.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$n1c8zJ7h1rH0w0lq3aQyYz1kqg3yCq2k6tqg0nVZb1U=';
