import type { Role } from '@shared/domain/users';
import type { ReadConn, WriteConn } from '../database';

/**
 * Users: the sign-in secret, the signing key (encrypted with the user's password) and its certificate.
 * Only the users service reads the secret columns; everything else sees the `User` it makes of them.
 */
export type StoredUser = Readonly<{
  id: string;
  name: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  publicKeyPem: string;
  certificatePem: string;
  /** The JSON of the `EncryptedSecret` holding the PKCS#8 private key. */
  privateKeyEnc: string;
  createdAt: string;
  disabled: boolean;
}>;

/** What may change on a user after it was created. */
export type UserUpdate = Readonly<{
  role: Role;
  displayName: string;
  disabled: boolean;
  certificatePem: string;
}>;

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

const fromRow = (r: UserRow): StoredUser => ({
  id: r.id,
  name: r.name,
  displayName: r.display_name,
  role: r.role,
  passwordHash: r.password_hash,
  publicKeyPem: r.public_key_pem,
  certificatePem: r.certificate_pem,
  privateKeyEnc: r.private_key_enc,
  createdAt: r.created_at,
  disabled: r.disabled === 1,
});

export async function countUsers(c: ReadConn): Promise<number> {
  return (await c.get<{ n: number }>('SELECT count(*) AS n FROM users'))?.n ?? 0;
}

export async function listUsers(c: ReadConn): Promise<StoredUser[]> {
  return (await c.all<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY name`)).map(fromRow);
}

export async function userByName(c: ReadConn, name: string): Promise<StoredUser | null> {
  const row = await c.get<UserRow>(`SELECT ${COLUMNS} FROM users WHERE name = ?`, [name]);
  return row ? fromRow(row) : null;
}

export async function userById(c: ReadConn, id: string): Promise<StoredUser | null> {
  const row = await c.get<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`, [id]);
  return row ? fromRow(row) : null;
}

/** Enabled administrators other than `exceptId` (the last one must stay). */
export async function countOtherEnabledAdmins(c: ReadConn, exceptId: string): Promise<number> {
  const admin: Role = 'admin';
  const row = await c.get<{ n: number }>(
    'SELECT count(*) AS n FROM users WHERE role = ? AND disabled = 0 AND id != ?',
    [admin, exceptId],
  );
  return row?.n ?? 0;
}

/** A new user is always enabled. */
export async function insertUser(tx: WriteConn, u: Omit<StoredUser, 'disabled'>): Promise<void> {
  await tx.run(`INSERT INTO users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`, [
    u.id,
    u.name,
    u.displayName,
    u.role,
    u.passwordHash,
    u.publicKeyPem,
    u.certificatePem,
    u.privateKeyEnc,
    u.createdAt,
  ]);
}

export async function updateUser(tx: WriteConn, id: string, change: UserUpdate): Promise<void> {
  await tx.run(
    'UPDATE users SET role = ?, display_name = ?, disabled = ?, certificate_pem = ? WHERE id = ?',
    [change.role, change.displayName, change.disabled ? 1 : 0, change.certificatePem, id],
  );
}
