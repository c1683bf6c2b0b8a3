import type { Envelope } from '@shared/contract/envelope';
import type { Backend } from '@core/backend';

/** Dispatches a contract method in a session signed in as the named user, as a real client would. */
export async function callAs(
  backend: Backend,
  name: string,
  method: string,
  input: unknown,
): Promise<Envelope<unknown>> {
  const user = await backend.users.byName(name);
  if (user === null) throw new Error(`no user ${name}`);
  return backend.dispatch({ user }, method, input);
}

/** The value of a successful reply; a failed one ends the test with its code and message. */
export function valueOf<T>(env: Envelope<unknown>): T {
  if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
  return env.value as T;
}
