import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import type { CliContext } from './cli-types';

/** `--ca-passphrase-file F` on every command that unlocks the CA; `init` also takes `--ca-passphrase-stdin`. */
export const CA_PASSPHRASE_OPTIONS = {
  'ca-passphrase-file': { type: 'string' },
} as const;

const firstLine = (text: string): string => text.split(/\r?\n/)[0] ?? '';

/**
 * The CA passphrase, or undefined when none was given. Standard input stays for the user's own
 * password (`--password-stdin`), so the CA passphrase comes from a file — except at `init`, which reads
 * no user password. The file's first line is the passphrase; keep the file 0600 or on removable media.
 */
export async function caPassphraseOf(ctx: CliContext): Promise<string | undefined> {
  const file = ctx.values['ca-passphrase-file'];
  const fromStdin = ctx.values['ca-passphrase-stdin'] === true;
  if (typeof file === 'string' && fromStdin)
    throw new AppError('input.invalid', 'give --ca-passphrase-file or --ca-passphrase-stdin, not both');
  let line: string | undefined;
  if (typeof file === 'string') {
    try {
      line = firstLine(await readFile(resolve(ctx.io.cwd, file), 'utf8'));
    } catch (error) {
      throw new AppError(
        'input.invalid',
        `cannot read --ca-passphrase-file ${file}: ${(error as Error).message}`,
      );
    }
  } else if (fromStdin) {
    line = firstLine(await ctx.io.readStdin());
  }
  if (line === undefined) return undefined;
  if (line.length < 12)
    throw new AppError('input.invalid', 'the CA passphrase must be at least 12 characters long');
  return line;
}
