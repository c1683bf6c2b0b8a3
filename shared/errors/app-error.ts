/**
 * Every failure Vigil reports has one of these codes (`area.reason`, DESIGN §2.2). The list is
 * closed so that the renderer's translation table, the CLI and the tests can be exhaustive:
 * adding a code here makes every `Record<ErrorCode, …>` fail to compile until it is handled.
 */
export const ERROR_CODES = [
  // rpc boundary
  'rpc.unknown-method',
  'rpc.invalid-input',
  'rpc.invalid-output',
  // authentication and authorisation
  'auth.not-signed-in',
  'auth.bad-credentials',
  'auth.forbidden',
  'auth.setup-done',
  'auth.bad-token',
  // a CLI session token (`vigil login`) that has expired, was ended, or belongs to another user
  'auth.session-expired',
  'auth.session-other-user',
  // sign-in refused for a while after failures (per user and per client), or the user is locked out
  'auth.too-many-attempts',
  'auth.locked',
  // users
  'user.exists',
  'user.not-found',
  'user.bad-name',
  'user.weak-password',
  'user.wrong-password',
  // storage
  'db.from-future',
  'db.migration-modified',
  'db.migration-unknown',
  'db.migration-failed',
  'db.locked',
  'db.append-only',
  'store.not-initialized',
  // a file of an initialised data dir is missing, unreadable or damaged (the message names it)
  'store.damaged',
  // the disk holding the data dir is full (ENOSPC, SQLITE_FULL)
  'store.disk-full',
  'evidence.integrity-mismatch',
  // Any record or file asked for by id, hash or path that is not there (resource, capture, decision…).
  'evidence.not-found',
  // custody
  'custody.chain-broken',
  'custody.key-missing',
  // a private key that parses but is not the one its certificate certifies
  'custody.key-mismatch',
  'custody.signature-invalid',
  // the local CA's private key (sealed under the CA passphrase)
  'ca.passphrase-required',
  'ca.wrong-passphrase',
  'ca.key-unavailable',
  'tsa.unreachable',
  'tsa.bad-response',
  'tsa.rejected',
  'tsa.imprint-mismatch',
  'tsa.nonce-mismatch',
  'tsa.bad-certificate',
  'tsa.policy-mismatch',
  // intake
  'intake.bad-url',
  'intake.scheme-refused',
  'intake.url-too-long',
  'intake.private-address',
  'intake.bad-file',
  // capture
  'capture.browser-unavailable',
  'capture.browser-crashed',
  'capture.timeout',
  'capture.navigation-failed',
  'capture.redirect-loop',
  'capture.renderer-crashed',
  'capture.dns-failed',
  'capture.connection-failed',
  'capture.tls-failed',
  'capture.cancelled',
  'capture.profile-not-found',
  // review (a change to a signed decision is refused as db.append-only)
  'review.self-approval',
  // the reviewer's own key co-signed a capture manifest the decision relies on
  'review.signed-own-capture',
  'review.invalid-transition',
  'review.missing-field',
  'review.stale-capture',
  'review.no-capture',
  'review.basis-not-found',
  // packet and bundle
  'packet.render-failed',
  'bundle.invalid',
  'bundle.verification-failed',
  'bundle.write-failed',
  // a path from the wire outside exports/ (or not granted by the desktop dialog)
  'bundle.path-refused',
  // a long bundle operation whose client went away or whose deadline passed
  'bundle.cancelled',
  // the data dir's custody log does not verify, or a record disagrees with its signed manifest
  'bundle.custody-unverified',
  // referral notices: the SMTP server did not take the message; or it is outside the sending hours
  'notice.send-failed',
  'notice.outside-hours',
  // an --out file that exists and is not to be overwritten
  'output.exists',
  // environment and generic
  'env.data-dir',
  'env.tool-missing',
  // the PostgreSQL server of team mode refused the connection, the sign-in, or is not there
  'env.database',
  // a command that runs on a local data dir only, given --server
  'env.local-only',
  // a team server that cannot be reached, or whose TLS certificate does not chain to the unit's CA
  'server.unreachable',
  'server.untrusted',
  'input.invalid',
  'internal.unexpected',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorPayload = Readonly<{
  code: ErrorCode;
  message: string;
  details?: unknown;
}>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const isAppError = (value: unknown): value is AppError => value instanceof AppError;

/** The message of anything thrown (an Error's message, else its string form). */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

export function assertNever(value: never, what = 'value'): never {
  throw new AppError('internal.unexpected', `Unhandled ${what}: ${JSON.stringify(value)}`);
}
