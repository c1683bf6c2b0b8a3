import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import { certificateRequestPem } from '@core/custody/csr';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand } from '../cli-types';
import { osActor } from './foundation-commands';

/**
 * Working with an organisation's own CA: certificate requests for the keys Vigil holds, to be
 * signed outside Vigil. Installing the certificates it returns is not built yet (see README).
 */
const caCsr: CliCommand = {
  path: ['ca', 'csr'],
  usage: 'ca csr (USER --password-stdin | --workstation) --out FILE.csr [--json]',
  summary:
    "export a PKCS #10 certificate request for a user's key (their password unlocks it) or the workstation key, for signing by an organisation's CA",
  options: {
    out: { type: 'string' },
    workstation: { type: 'boolean' },
    'password-stdin': { type: 'boolean' },
  },
  stdinPassword: 'other',
  async run(ctx) {
    const out = str(ctx, 'out');
    if (out === undefined) throw new AppError('input.invalid', '--out FILE is required');
    const forWorkstation = ctx.values.workstation === true;
    const [name, ...more] = ctx.positionals;
    if (forWorkstation === (name !== undefined) || more.length > 0)
      throw new AppError('input.invalid', 'name exactly one USER, or --workstation');
    const backend = await ctx.backend();
    const ws = backend.workspace;
    let pem: string;
    let subject: string;
    if (name === undefined) {
      subject = `workstation:${ws.workstation.keyId}`;
      pem = await certificateRequestPem(ws.workstation.privateKey, { commonName: ws.workstationName });
    } else {
      const user = await backend.users.byName(name);
      if (user === null) throw new AppError('user.not-found', `no user named ${name}`);
      // Proof of possession: only the user's own password unlocks the key that signs the request.
      const signer = await backend.users.unlockSigningKey(name, await ctx.password(`password for ${name}: `));
      subject = `user:${name}`;
      pem = await certificateRequestPem(signer.privateKey, { commonName: user.displayName || user.name });
    }
    const path = resolve(ctx.io.cwd, out);
    try {
      await writeFile(path, pem, { flag: 'wx', mode: 0o644 });
    } catch {
      throw new AppError('input.invalid', `${path} exists or cannot be written; nothing is overwritten`);
    }
    await ws.record((_tx, audit) =>
      audit({ actor: ctx.as ?? osActor(), action: 'ca.csr-exported', subject, details: { file: path } }),
    );
    print(ctx, { path, subject }, `certificate request for ${subject} written to ${path}`);
    return EXIT.ok;
  },
};

export const ORG_CA_COMMANDS: readonly CliCommand[] = [caCsr];
