import { AppError, errorMessage, isAppError } from '@shared/errors/app-error';
import type { ErrorCode } from '@shared/errors/app-error';
import { CancelledError, DeadlineError } from './deadline';

/** Why a capture is `failed`: its error code and message. */
export type CaptureFailure = Readonly<{ code: ErrorCode; message: string }>;

const CRASHED_MESSAGE = 'The page crashed the renderer';

/**
 * Thrown by a stage that finds the renderer gone: it ends the stages, and `failureOf` names it
 * (a crash is named as such whatever error it caused).
 */
export function rendererCrashed(): AppError {
  return new AppError('capture.renderer-crashed', CRASHED_MESSAGE);
}

/**
 * The one place an error that ended a capture becomes its failure. A stage that knows what went
 * wrong throws an AppError with that code; a renderer crash outranks whatever error it caused, a
 * cancel and an overrun deadline have codes of their own, and an error nothing names is the
 * browser's (`capture.browser-crashed` when it is gone) or else `otherwise`.
 */
export function failureOf(
  error: unknown,
  state: Readonly<{ crashed: boolean; browserGone: boolean }>,
  otherwise: ErrorCode = 'capture.navigation-failed',
): CaptureFailure {
  if (state.crashed) return { code: 'capture.renderer-crashed', message: CRASHED_MESSAGE };
  if (error instanceof CancelledError) return { code: 'capture.cancelled', message: error.message };
  if (error instanceof DeadlineError) return { code: 'capture.timeout', message: error.message };
  if (isAppError(error)) return { code: error.code, message: error.message };
  if (state.browserGone) return { code: 'capture.browser-crashed', message: errorMessage(error) };
  return { code: otherwise, message: errorMessage(error) };
}

/** Maps Chromium's net error names to the capture's error codes. */
export function classifyNavigationError(message: string): ErrorCode {
  if (/ERR_TOO_MANY_REDIRECTS/.test(message)) return 'capture.redirect-loop';
  if (/ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED|ERR_DNS_/.test(message)) return 'capture.dns-failed';
  if (/ERR_CERT_|ERR_SSL_|ERR_BAD_SSL|ERR_TLS/.test(message)) return 'capture.tls-failed';
  if (
    /ERR_CONNECTION_|ERR_ADDRESS_|ERR_EMPTY_RESPONSE|ERR_NETWORK_CHANGED|ERR_TIMED_OUT|ERR_PROXY_|ERR_TUNNEL_|ERR_SOCKS_|ERR_INTERNET_DISCONNECTED/.test(
      message,
    )
  )
    return 'capture.connection-failed';
  if (/Target closed|Page crashed|crash/i.test(message)) return 'capture.renderer-crashed';
  return 'capture.navigation-failed';
}
