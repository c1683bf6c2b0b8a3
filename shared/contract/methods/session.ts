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
    input: z.object({ name: z.string().max(64), password: z.string().max(1024) }).strict(),
    output: User,
    access: 'public',
  },
  'session.signOut': { input: z.object({}).strict(), output: z.null(), access: 'signed-in' },
});
