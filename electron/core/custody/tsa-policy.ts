import { AppError } from '@shared/errors/app-error';

/**
 * RFC 3161 §2.4.2: the `policy` field names the TSA policy under which the token was issued. A token
 * under another policy than the one configured (e.g. a test policy of a qualified service, ETSI EN
 * 319 421 §6.2) does not carry the assurance the administrator chose, so it is refused by name.
 */
export function checkPolicy(actual: string, expected: string | null | undefined): void {
  if (expected === null || expected === undefined) return;
  if (actual !== expected)
    throw new AppError(
      'tsa.policy-mismatch',
      `the time-stamp token was issued under policy ${actual}, not the configured ${expected}`,
    );
}
