import { existsSync } from 'node:fs';
import { AppError } from '@shared/errors/app-error';

/**
 * `--out` never replaces a file silently (a packet or a key written over the one a court was sent
 * would leave two different files under one name): an existing file is refused unless `--force`.
 */
export function refuseOverwrite(paths: readonly string[], force: boolean): void {
  if (force) return;
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0)
    throw new AppError(
      'output.exists',
      `${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ` and ${existing.length - 3} more` : ''} already exist${existing.length === 1 ? 's' : ''}; nothing was written (add --force to replace)`,
      { paths: existing },
    );
}
