import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { requireKeyMatchesCertificate } from '../custody/key-match';
import { UserId } from '@shared/domain/ids';
import type { User } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { decryptSecret, EncryptedSecret, encryptSecret } from '../custody/secrets';
import { keyIdOf, sha256Hex } from '../custody/signing';
import {
  cliSessionByToken,
  endCliSession,
  insertCliSession,
  touchCliSession,
} from '../db/repositories/cli-sessions-repo';
import type { Workspace } from '../workspace';
import type { SigningIdentity, UsersService } from './users-service';

/**
 * A user who proved who they are for this act (their password, or a live `vigil login` token), with
 * the signing key that proof unlocked: it co-signs what the act seals (a capture manifest).
 */
export type ProvenUser = Readonly<{ user: User; signer: OperatorSigner }>;

export type OperatorSigner = Readonly<{
  name: string;
  keyId: string;
  privateKey: SigningIdentity['privateKey'];
  publicKeyPem: string;
  certificatePem: string;
}>;

export type SessionLimits = Readonly<{ idleMs: number; absoluteMs: number }>;

/** Default lifetimes: a working day of inactivity ends a session, and none outlives a day. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 8 * 3_600_000, absoluteMs: 24 * 3_600_000 };

export type CliLogin = Readonly<{ token: string; user: User; expiresAt: string; idleExpiresAt: string }>;

export type CliSessions = Readonly<{
  /** Checks the password (the same check as the UI's sign-in) and opens a session for the user. */
  login: (name: string, password: string) => Promise<CliLogin>;
  /** The user's password as proof for one act. */
  provePassword: (name: string, password: string) => Promise<ProvenUser>;
  /** A session token as proof that `name` is acting; refuses an expired, ended or foreign token. */
  proveToken: (name: string, token: string) => Promise<ProvenUser>;
  /** Ends the session; true when it was still open. */
  logout: (token: string) => Promise<boolean>;
}>;

const TOKEN_PREFIX = 'vgs_';

/** The co-signing key a proof unlocked (also held by the UI's sessions, users/session-keys.ts). */
export const signerOf = (id: SigningIdentity): OperatorSigner => ({
  name: id.user.name,
  keyId: keyIdOf(id.publicKeyPem),
  privateKey: id.privateKey,
  publicKeyPem: id.publicKeyPem,
  certificatePem: id.certificatePem,
});

export function createCliSessions(
  ws: Workspace,
  users: UsersService,
  opts: Readonly<{ limits?: SessionLimits; lockAfter?: () => Promise<number> }> = {},
): CliSessions {
  const limits = opts.limits ?? DEFAULT_SESSION_LIMITS;
  // One CLI process is one client of the sign-in guard; the per-user backoff and lockout are stored.
  const client = { failures: 0, lastFailureMs: 0 };
  async function provePassword(name: string, password: string): Promise<ProvenUser> {
    // The UI's sign-in itself: its backoff, lockout and custody events apply to the CLI too.
    const lockAfter = opts.lockAfter === undefined ? Number.POSITIVE_INFINITY : await opts.lockAfter();
    const user = await users.signIn(name, password, client, lockAfter);
    return { user, signer: signerOf(await users.unlockSigningKey(name, password)) };
  }

  return {
    provePassword,

    async login(name, password) {
      const { user, signer } = await provePassword(name, password);
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      // The key is wrapped under the token: only the holder of the token can sign as the user.
      const keyEnc = await encryptSecret(signer.privateKey.export({ type: 'pkcs8', format: 'der' }), token);
      const now = ws.clock();
      const at = now.toISOString();
      const expiresAt = new Date(now.getTime() + limits.absoluteMs).toISOString();
      const idleExpiresAt = new Date(
        Math.min(now.getTime() + limits.idleMs, now.getTime() + limits.absoluteMs),
      ).toISOString();
      await ws.record(async (tx, audit) => {
        await insertCliSession(tx, {
          tokenSha256: sha256Hex(token),
          userId: user.id,
          createdAt: at,
          lastUsedAt: at,
          idleExpiresAt,
          expiresAt,
          keyEnc: JSON.stringify(keyEnc),
          endedAt: null,
        });
        await audit({
          actor: user.name,
          action: 'session.cli-login',
          subject: `user:${user.name}`,
          details: { session: sha256Hex(token).slice(0, 16), expiresAt, idleExpiresAt },
        });
      });
      return { token, user, expiresAt, idleExpiresAt };
    },

    async proveToken(name, token) {
      const hash = sha256Hex(token);
      const session = await ws.db.read((c) => cliSessionByToken(c, hash));
      const now = ws.clock();
      if (
        session === null ||
        session.endedAt !== null ||
        now.getTime() >= Date.parse(session.expiresAt) ||
        now.getTime() >= Date.parse(session.idleExpiresAt)
      )
        throw new AppError(
          'auth.session-expired',
          `the session token is expired or ended: sign in again with \`vigil login ${name}\``,
        );
      const user = await users.byName(name);
      if (user === null || user.id !== session.userId)
        throw new AppError(
          'auth.session-other-user',
          `the session token does not belong to ${name}: it proves nothing about them`,
        );
      if (user.disabled) throw new AppError('auth.bad-credentials', `${name} is disabled`);
      const identity = await users.publicIdentity(name);
      if (identity === null) throw new AppError('user.not-found', `no user named ${name}`);
      const der = await decryptSecret(EncryptedSecret.parse(JSON.parse(session.keyEnc)), token);
      const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      if (
        createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() !==
        identity.publicKeyPem
      )
        throw new AppError(
          'custody.key-mismatch',
          `the session key of ${name} does not match their certificate`,
        );
      requireKeyMatchesCertificate(privateKey, identity.certificatePem, {
        key: `the session key of ${name}`,
        certificate: `the certificate of ${name}`,
      });
      const idle = Math.min(now.getTime() + limits.idleMs, Date.parse(session.expiresAt));
      // Session bookkeeping, not evidence: the act this proof allows writes its own custody rows.
      await ws.db.write((tx) => touchCliSession(tx, hash, now.toISOString(), new Date(idle).toISOString()));
      return {
        user,
        signer: {
          name: user.name,
          keyId: keyIdOf(identity.publicKeyPem),
          privateKey,
          publicKeyPem: identity.publicKeyPem,
          certificatePem: identity.certificatePem,
        },
      };
    },

    async logout(token) {
      const hash = sha256Hex(token);
      const session = await ws.db.read((c) => cliSessionByToken(c, hash));
      if (session === null || session.endedAt !== null) return false;
      const user = await users.current(UserId.parse(session.userId));
      const at = ws.clock().toISOString();
      return ws.record(async (tx, audit) => {
        const ended = await endCliSession(tx, hash, at);
        if (ended)
          await audit({
            actor: user?.name ?? session.userId,
            action: 'session.cli-logout',
            subject: `user:${user?.name ?? session.userId}`,
            details: { session: hash.slice(0, 16) },
          });
        return ended;
      });
    },
  };
}
