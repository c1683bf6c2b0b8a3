import { z } from 'zod';
import { Password, Role, User, UserName } from '../../domain/users';
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
});
