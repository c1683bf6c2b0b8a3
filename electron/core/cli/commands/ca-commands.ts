import { AppError } from '@shared/errors/app-error';
import { caPassphraseOf, CA_PASSPHRASE_OPTIONS } from '../ca-passphrase';
import { print } from '../cli-helpers';
import { EXIT, type CliCommand } from '../cli-types';
import { osActor } from './foundation-commands';

/** Commands on the local CA's key: sealing it under the CA passphrase (and migrating older data dirs). */

const protectCa: CliCommand = {
  path: ['keys', 'protect-ca'],
  usage: 'keys protect-ca (--ca-passphrase-file F | --ca-passphrase-stdin) [--json]',
  summary:
    'seal the CA private key under a CA passphrase (a data dir made before keys were sealed, or one initialised without a passphrase)',
  options: { ...CA_PASSPHRASE_OPTIONS, 'ca-passphrase-stdin': { type: 'boolean' } },
  async run(ctx) {
    const passphrase = await caPassphraseOf(ctx);
    if (passphrase === undefined)
      throw new AppError(
        'input.invalid',
        'give the new CA passphrase with --ca-passphrase-file F or --ca-passphrase-stdin',
      );
    const ws = (await ctx.backend()).workspace;
    const from = await ws.ca.protect(passphrase, ctx.as ?? osActor());
    const result = { from, state: await ws.ca.state() };
    print(
      ctx,
      result,
      from === null
        ? 'the CA key is already sealed under this CA passphrase; nothing changed'
        : `the CA key (${from === 'clear' ? 'stored unencrypted' : 'sealed under the workstation key'}) is now sealed under the CA passphrase`,
    );
    return EXIT.ok;
  },
};

export const CA_COMMANDS: readonly CliCommand[] = [protectCa];
