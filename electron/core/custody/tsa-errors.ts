import { AppError } from '@shared/errors/app-error';

/** The TSA (or a stored token) sent bytes that are not a well-formed RFC 3161 answer. */
export const badResponse = (message: string, details?: unknown): AppError =>
  new AppError('tsa.bad-response', message, details);

/** The token is well formed but its signature or its signer's certificate cannot be trusted. */
export const badCertificate = (message: string, details?: unknown): AppError =>
  new AppError('tsa.bad-certificate', message, details);

/** The text of a cause for error details: anything thrown, including non-Error values, as JSON. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
}
