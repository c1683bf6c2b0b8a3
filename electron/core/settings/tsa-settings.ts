import { X509Certificate } from 'node:crypto';
import type { Settings } from '@shared/contract/methods/workspace';
import { tsaStatusOf } from '@shared/domain/time-stamping';
import { AppError } from '@shared/errors/app-error';
import { pemBlocks } from '../custody/x509';
import type { SettingsService } from './settings-service';

/** The time-stamp authority as every caller of the RFC 3161 client needs it. */
export type ConfiguredTsa = Readonly<{
  url: string;
  /** The configured root; undefined when none was given (tokens are then checked without a chain). */
  trustedCertsPem: readonly string[] | undefined;
  policyOid: string | null;
  qualified: boolean;
}>;

export function configuredTsa(s: Settings): ConfiguredTsa | null {
  if (tsaStatusOf(s) !== 'authority' || s.tsaUrl === null) return null;
  return {
    url: s.tsaUrl,
    trustedCertsPem: s.tsaCaPem === null ? undefined : [s.tsaCaPem],
    policyOid: s.tsaPolicyOid,
    qualified: s.tsaQualified,
  };
}

export type TsaChoice =
  | Readonly<{ kind: 'authority'; url: string; caPem: string; qualified: boolean; policyOid: string | null }>
  | Readonly<{ kind: 'none' }>;

/** A PEM with at least one certificate, each of which parses; returned normalised (trimmed, one newline). */
function checkedCaPem(pem: string): string {
  const certs = pemBlocks(pem).filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0)
    throw new AppError('input.invalid', 'the TSA trust anchor holds no PEM certificate');
  for (const block of certs) {
    try {
      new X509Certificate(block.der);
    } catch (error) {
      throw new AppError('input.invalid', `the TSA trust anchor does not parse: ${(error as Error).message}`);
    }
  }
  return `${pem.trim()}\n`;
}

/**
 * Records the administrator's answer (Settings, first run, `vigil settings tsa`). Both answers are
 * custody events (`settings.changed` with old and new values): "none" is a decision someone took, and
 * a court may ask who took it and when.
 */
export async function chooseTsa(
  settings: SettingsService,
  choice: TsaChoice,
  actor: string,
): Promise<Settings> {
  if (choice.kind === 'none')
    return settings.update(
      { tsaChoice: 'none', tsaUrl: null, tsaCaPem: null, tsaQualified: false, tsaPolicyOid: null },
      actor,
    );
  let url: URL;
  try {
    url = new URL(choice.url);
  } catch {
    throw new AppError('input.invalid', `not a URL: ${choice.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError('input.invalid', 'the time-stamp authority URL must be http(s)');
  return settings.update(
    {
      tsaChoice: 'authority',
      tsaUrl: choice.url,
      tsaCaPem: checkedCaPem(choice.caPem),
      tsaQualified: choice.qualified,
      tsaPolicyOid: choice.policyOid,
    },
    actor,
  );
}
