import { z } from 'zod';
import { Password, Role, User, UserName } from '@shared/domain/users';
import { defineMethods } from '../define';

/**
 * The CA passphrase unlocks the local CA for one act that issues or revokes a certificate (adding a
 * user, a role change, disabling or enabling). Optional only while a data dir's CA key has not yet been
 * put under a passphrase; the first one given becomes the CA passphrase.
 */
export const CaPassphrase = z.string().min(12, 'at least 12 characters').max(1024);

export const usersMethods = defineMethods({
  'users.list': { input: z.object({}).strict(), output: z.array(User), access: 'signed-in' },
  'users.add': {
    input: z
      .object({
        name: UserName,
        displayName: z.string().max(120).optional(),
        role: Role,
        password: Password,
        caPassphrase: CaPassphrase.optional(),
      })
      .strict(),
    output: User,
    access: ['admin'],
  },
  /** Role, enabled state and display name; a role or name change re-issues the user's certificate. */
  /** Lifts a lockout after failed sign-ins (and the failure count); a `user.unlocked` custody event. */
  'users.unlock': {
    input: z.object({ name: UserName }).strict(),
    output: z.object({ name: z.string(), wasLocked: z.boolean(), failures: z.number().int() }),
    access: ['admin'],
  },
  'users.update': {
    input: z
      .object({
        name: UserName,
        role: Role.optional(),
        disabled: z.boolean().optional(),
        displayName: z.string().trim().min(1).max(120).optional(),
        caPassphrase: CaPassphrase.optional(),
      })
      .strict(),
    output: User,
    access: ['admin'],
  },
});
