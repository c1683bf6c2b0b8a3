import type { z } from 'zod';
import {
  METHODS,
  isMethodName,
  type MethodName,
  type MethodOutput,
  type MethodParsedInput,
} from '@shared/contract/index';
import type { Access } from '@shared/contract/define';
import type { Envelope } from '@shared/contract/envelope';
import type { User } from '@shared/domain/users';
import { AppError, isAppError } from '@shared/errors/app-error';

/** One connection's sign-in state: an app window, or one browser session of the HTTP bridge. */
export type Session = { user: User | null };

export type CallContext = Readonly<{ session: Session }>;

export type Handler<M extends MethodName> = (
  input: MethodParsedInput<M>,
  ctx: CallContext,
) => Promise<MethodOutput<M>>;
export type Handlers = { [M in MethodName]?: Handler<M> };

export type DispatchOptions = Readonly<{
  /** Called with unexpected (non-AppError) failures so they reach a log; the caller sees a generic error. */
  onInternalError?: (method: string, error: unknown) => void;
}>;

const issues = (error: z.ZodError): { path: string; message: string }[] =>
  error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

/**
 * The one entry for every transport (IPC, HTTP bridge, tests): method lookup, access check, input
 * validation, the handler, output validation, and errors turned into envelopes exactly once.
 */
export async function dispatch(
  handlers: Handlers,
  session: Session,
  method: string,
  rawInput: unknown,
  opts: DispatchOptions = {},
): Promise<Envelope<unknown>> {
  try {
    if (!isMethodName(method)) throw new AppError('rpc.unknown-method', `no method named ${method}`);
    const def = METHODS[method];
    const user = session.user;
    if (def.access !== 'public') {
      if (user === null) throw new AppError('auth.not-signed-in', 'sign in first');
      const roles: Access = def.access;
      if (roles !== 'signed-in' && typeof roles !== 'string' && !roles.includes(user.role)) {
        throw new AppError(
          'auth.forbidden',
          `${method} needs the role ${roles.join(' or ')}; you are ${user.role}`,
        );
      }
    }
    const parsed = def.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      throw new AppError(
        'rpc.invalid-input',
        `invalid input for ${method}: ${issues(parsed.error)
          .map((i) => `${i.path || '(input)'}: ${i.message}`)
          .join('; ')}`,
        issues(parsed.error),
      );
    }
    const handler = handlers[method] as ((input: unknown, ctx: CallContext) => Promise<unknown>) | undefined;
    if (handler === undefined)
      throw new AppError('rpc.unknown-method', `${method} is not available in this build`);
    const value = await handler(parsed.data, { session });
    const out = def.output.safeParse(value);
    if (!out.success) {
      throw new AppError(
        'rpc.invalid-output',
        `the backend produced an invalid reply for ${method}`,
        issues(out.error),
      );
    }
    return { ok: true, value: out.data };
  } catch (error) {
    if (isAppError(error)) return { ok: false, error: error.toPayload() };
    opts.onInternalError?.(method, error);
    return {
      ok: false,
      error: { code: 'internal.unexpected', message: 'an internal error occurred; see the log' },
    };
  }
}
