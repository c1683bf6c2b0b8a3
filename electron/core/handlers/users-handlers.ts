import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The contract's user administration; the signed-in admin is the actor in the custody log. */
export function createUsersHandlers(deps: Pick<HandlerDeps, 'users'>): HandlersOf<'users'> {
  const { users } = deps;
  return {
    'users.list': () => users.list(),
    'users.add': (input, { user }) => users.create(input, user.name),
    'users.update': (input, { user }) => users.update(input, user.name),
    'users.unlock': async (input, { user }) => ({
      name: input.name,
      ...(await users.unlock(input.name, user.name)),
    }),
  };
}
