import { z } from 'zod';
import { Password, User, UserName } from '@shared/domain/users';
import { defineMethods } from '../define';
import { CaPassphrase } from './users';

export const SessionStatus = z.object({
  /** False until the first administrator exists (first run). */
  initialized: z.boolean(),
  user: User.nullable(),
  app: z.object({ name: z.string(), version: z.string() }),
});
export type SessionStatus = z.infer<typeof SessionStatus>;

/**
 * The name typed at sign-in. Failed names go into the custody log: control and formatting
 * characters (newlines, ESC, the bidi controls U+202A–U+202E and U+2066–U+2069) could forge lines
 * there, so they are refused before anything is looked up or written.
 */
export const SignInName = z
  .string()
  .min(1)
  .max(64)
  .refine((s) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s), 'no control or formatting characters');

export const sessionMethods = defineMethods({
  'session.status': { input: z.object({}).strict(), output: SessionStatus, access: 'public' },
  /** First run only: creates the administrator and signs them in. */
  'session.setupAdmin': {
    input: z
      .object({
        name: UserName,
        displayName: z.string().max(120).optional(),
        password: Password,
        // First run chooses the CA passphrase here (it seals the local CA's key; see users.ts).
        caPassphrase: CaPassphrase.optional(),
      })
      .strict(),
    output: User,
    access: 'public',
  },
  'session.signIn': {
    input: z.object({ name: SignInName, password: z.string().max(1024) }).strict(),
    output: User,
    access: 'public',
  },
  'session.signOut': { input: z.object({}).strict(), output: z.null(), access: 'signed-in' },
});
