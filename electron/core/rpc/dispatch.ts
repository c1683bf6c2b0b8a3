import type { z } from 'zod';
import {
  METHODS,
  isMethodName,
  type MethodName,
  type MethodOutput,
  type MethodParsedInput,
  type Methods,
} from '@shared/contract/index';
import type { Access } from '@shared/contract/define';
import type { Envelope } from '@shared/contract/envelope';
import type { User } from '@shared/domain/users';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { CallInfo } from './call-info';

/** One connection's sign-in state: an app window, or one browser session of the HTTP bridge. */
export type Session = { user: User | null };

/** What a public method's handler gets: the session (which it may sign in or out) and whoever holds it. */
export type PublicContext = Readonly<{ session: Session; user: User | null; call?: CallInfo }>;
/**
 * What the handler of any other method gets: dispatch() has refused anonymous callers already, so the
 * user is there. It is the user as of this call's access check (re-read from the database first).
 */
export type SignedInContext = Readonly<{ session: Session; user: User; call?: CallInfo }>;

/** The context a method's handler receives, derived from the method's `access` in the contract. */
export type CallContext<M extends MethodName> = Methods[M]['access'] extends 'public'
  ? PublicContext
  : SignedInContext;

export type Handler<M extends MethodName> = (
  input: MethodParsedInput<M>,
  ctx: CallContext<M>,
) => Promise<MethodOutput<M>>;

/** Some of the contract's handlers (what dispatch() accepts: a method without one is "not available"). */
export type PartialHandlers = { [M in MethodName]?: Handler<M> };
/** Every method of the contract has its handler: a missing one is a compile error. */
export type Handlers = Required<PartialHandlers>;

export type DispatchOptions = Readonly<{
  /** Called with unexpected (non-AppError) failures so they reach a log; the caller sees a generic error. */
  onInternalError?: (method: string, error: unknown) => void;
  /** What the transport knows about this call (its client's signal, dialog-granted paths). */
  call?: CallInfo;
  /**
   * Names the environment problem behind a low-level failure (a full disk, a damaged database) as
   * the AppError a user can act on, or null; the backend passes the CLI's own mapping
   * (store/store-errors.ts `storeErrorOf`), so both report the same code for the same cause.
   */
  environmentError?: (error: unknown) => AppError | null;
}>;

const issues = (error: z.ZodError): { path: string; message: string }[] =>
  error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

/**
 * Refuses the call unless the session's user may call it; returns the context its handler gets. Routes
 * outside `/rpc` that stand for a method (a bundle download: `bundle.export`) ask the same rule here.
 */
export function authorize(method: MethodName, session: Session): PublicContext | SignedInContext {
  const def = METHODS[method];
  const user = session.user;
  if (def.access === 'public') return { session, user };
  if (user === null) throw new AppError('auth.not-signed-in', 'sign in first');
  const roles: Access = def.access;
  if (roles !== 'signed-in' && typeof roles !== 'string' && !roles.includes(user.role)) {
    throw new AppError(
      'auth.forbidden',
      `${method} needs the role ${roles.join(' or ')}; you are ${user.role}`,
    );
  }
  return { session, user };
}

/**
 * The one entry for every transport (IPC, HTTP bridge, tests): method lookup, access check, input
 * validation, the handler, output validation, and errors turned into envelopes exactly once.
 */
export async function dispatch(
  handlers: PartialHandlers,
  session: Session,
  method: string,
  rawInput: unknown,
  opts: DispatchOptions = {},
): Promise<Envelope<unknown>> {
  try {
    if (!isMethodName(method)) throw new AppError('rpc.unknown-method', `no method named ${method}`);
    const def = METHODS[method];
    const ctx = authorize(method, session);
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
    // The table pairs each method with its own handler, which TypeScript cannot follow through a
    // method name known only at run time; authorize() gave a signed-in context to every method whose
    // handler needs one.
    const handler = handlers[method] as
      ((input: unknown, ctx: PublicContext | SignedInContext) => Promise<unknown>) | undefined;
    if (handler === undefined)
      throw new AppError('rpc.unknown-method', `${method} is not available in this build`);
    const value = await handler(parsed.data, opts.call === undefined ? ctx : { ...ctx, call: opts.call });
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
    const named = opts.environmentError?.(error) ?? null;
    if (named !== null) return { ok: false, error: named.toPayload() };
    opts.onInternalError?.(method, error);
    return {
      ok: false,
      error: { code: 'internal.unexpected', message: 'an internal error occurred; see the log' },
    };
  }
}
