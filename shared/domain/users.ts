import { z } from 'zod';
import { IsoTime, UserId } from './ids';

export const ROLES = ['investigator', 'reviewer', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Names appear in custody logs and signatures: keep them plain and unambiguous. */
export const UserName = z
  .string()
  .min(2, 'at least 2 characters')
  .max(64, 'at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash and underscore only');

export const Password = z.string().min(10, 'at least 10 characters').max(1024);

export const User = z.object({
  id: UserId,
  name: z.string(),
  displayName: z.string(),
  role: Role,
  createdAt: IsoTime,
  disabled: z.boolean(),
  /** SHA-256 fingerprint of the user's signing certificate (DER). */
  certificateSha256: z.string(),
  /** Locked after too many failed sign-ins until an admin unlocks them (`users.unlock`); set by `users.list`. */
  locked: z.boolean().optional(),
});
export type User = Readonly<z.infer<typeof User>>;
