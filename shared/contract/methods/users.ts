import { z } from 'zod';
import { Password, Role, User, UserName } from '@shared/domain/users';
import { defineMethods } from '../define';

export const usersMethods = defineMethods({
  'users.list': { input: z.object({}).strict(), output: z.array(User), access: 'signed-in' },
  'users.add': {
    input: z
      .object({ name: UserName, displayName: z.string().max(120).optional(), role: Role, password: Password })
      .strict(),
    output: User,
    access: ['admin'],
  },
  /** Role, enabled state and display name; a role or name change re-issues the user's certificate. */
  'users.update': {
    input: z
      .object({
        name: UserName,
        role: Role.optional(),
        disabled: z.boolean().optional(),
        displayName: z.string().trim().min(1).max(120).optional(),
      })
      .strict(),
    output: User,
    access: ['admin'],
  },
});
