import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import type { Role, User } from '../../../shared/domain/users';
import type { UserId } from '../../../shared/domain/ids';
import { AppError } from '../../../shared/errors/app-error';
import type { Conn } from '../db/database';
import {
  decryptSecret,
  EncryptedSecret,
  encryptSecret,
  hashPassword,
  verifyPassword,
} from '../custody/secrets';
import { issueCertificate } from '../custody/x509';
import type { Workspace } from '../workspace';

type UserRow = {
  id: string;
  name: string;
  display_name: string;
  role: Role;
  password_hash: string;
  public_key_pem: string;
  certificate_pem: string;
  private_key_enc: string;
  created_at: string;
  disabled: number;
};

const COLUMNS =
  'id, name, display_name, role, password_hash, public_key_pem, certificate_pem, private_key_enc, created_at, disabled';

const toUser = (r: UserRow): User => ({
  id: r.id as UserId,
  name: r.name,
  displayName: r.display_name,
  role: r.role,
  createdAt: r.created_at,
  disabled: r.disabled === 1,
  certificateSha256: new X509Certificate(r.certificate_pem).fingerprint256.replace(/:/g, '').toLowerCase(),
});

export type NewUser = Readonly<{ name: string; displayName?: string; role: Role; password: string }>;

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
  authenticate: (name: string, password: string) => Promise<User>;
  /** Only the user's own password unlocks their signing key (DESIGN §5). */
  unlockSigningKey: (name: string, password: string) => Promise<SigningIdentity>;
  publicIdentity: (
    name: string,
  ) => Promise<{ user: User; publicKeyPem: string; certificatePem: string } | null>;
}>;

export function createUsersService(ws: Workspace): UsersService {
  const rowByName = (conn: Conn, name: string) =>
    conn.get<UserRow>(`SELECT ${COLUMNS} FROM users WHERE name = ?`, [name]);

  return {
    count: async () =>
      (await ws.db.read((c) => c.get<{ n: number }>('SELECT count(*) AS n FROM users')))?.n ?? 0,
    list: async () =>
      (await ws.db.read((c) => c.all<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY name`))).map(toUser),
    byName: async (name) => {
      const row = await ws.db.read((c) => rowByName(c, name));
      return row ? toUser(row) : null;
    },

    async create(input, actor, opts) {
      // Key generation and scrypt are slow: do them before taking the write lock.
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const displayName = input.displayName?.trim() || input.name;
      const certificatePem = await issueCertificate({
        ca: ws.ca,
        subjectPublicKeyPem: publicKeyPem,
        commonName: displayName.slice(0, 64),
        organization: 'Vigil',
        organizationalUnit: input.role,
        profile: 'user-signing',
        now: ws.clock(),
        validityDays: 3650,
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
          const n = (await tx.get<{ n: number }>('SELECT count(*) AS n FROM users'))?.n ?? 0;
          if (n > 0)
            throw new AppError('auth.setup-done', 'an administrator already exists; sign in instead');
        }
        if (await rowByName(tx, input.name))
          throw new AppError('user.exists', `a user named ${input.name} already exists`);
        await tx.run(`INSERT INTO users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`, [
          id,
          input.name,
          displayName,
          input.role,
          passwordHash,
          publicKeyPem,
          certificatePem,
          JSON.stringify(encrypted),
          createdAt,
        ]);
        const created = await rowByName(tx, input.name);
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

    async authenticate(name, password) {
      const row = await ws.db.read((c) => rowByName(c, name));
      // Same answer (and the same scrypt cost) whether the name or the password is wrong.
      const ok = row
        ? await verifyPassword(password, row.password_hash)
        : await verifyPassword(password, DUMMY_HASH);
      if (!row || !ok || row.disabled === 1)
        throw new AppError('auth.bad-credentials', 'wrong user name or password');
      return toUser(row);
    },

    async unlockSigningKey(name, password) {
      const row = await ws.db.read((c) => rowByName(c, name));
      if (!row) throw new AppError('user.not-found', `no user named ${name}`);
      const der = await decryptSecret(EncryptedSecret.parse(JSON.parse(row.private_key_enc)), password);
      const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      // A key that does not match the certified public key must never sign anything.
      const derivedPub = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
      if (derivedPub !== row.public_key_pem)
        throw new AppError('custody.key-missing', `the stored key of ${name} does not match its certificate`);
      return {
        user: toUser(row),
        privateKey,
        publicKeyPem: row.public_key_pem,
        certificatePem: row.certificate_pem,
        chainPem: [ws.ca.certPem],
      };
    },

    async publicIdentity(name) {
      const row = await ws.db.read((c) => rowByName(c, name));
      return row
        ? { user: toUser(row), publicKeyPem: row.public_key_pem, certificatePem: row.certificate_pem }
        : null;
    },
  };
}

// A valid hash of a random secret, so that an unknown user name costs the same time as a wrong password.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$n1c8zJ7h1rH0w0lq3aQyYz1kqg3yCq2k6tqg0nVZb1U=';
