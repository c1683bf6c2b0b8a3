import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import { certificateRequestPem } from '@core/custody/csr';
import {
  importOrgCa,
  installUserCertificate,
  installWorkstationCertificate,
} from '@core/users/org-certificates';
import { caPassphraseOf, CA_PASSPHRASE_OPTIONS } from '../ca-passphrase';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand } from '../cli-types';
import { osActor } from './foundation-commands';

/**
 * Working with an organisation's own CA: certificate requests for the keys Vigil holds, to be
 * signed outside Vigil, importing that CA as an issuing root, and installing what it issued.
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

async function readInput(ctx: Parameters<CliCommand['run']>[0], file: string): Promise<string> {
  try {
    return await readFile(resolve(ctx.io.cwd, file), 'utf8');
  } catch (error) {
    throw new AppError('input.invalid', `cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * An issuing root is as strong as the CA key (it can certify a "reviewer"), so importing one and
 * installing what it issued take the CA passphrase, like every other act that certifies a key.
 */
async function unlockCa(ctx: Parameters<CliCommand['run']>[0]) {
  const backend = await ctx.backend();
  await backend.workspace.ca.unlock(await caPassphraseOf(ctx), ctx.as ?? osActor());
  return backend;
}

const caImportCert: CliCommand = {
  path: ['ca', 'import-cert'],
  usage: 'ca import-cert ORG-CA.pem [--name N] [--ca-passphrase-file F] [--json]',
  summary:
    "record an organisation's CA certificate as an issuing root: certificates it issued can be installed, and verify and bundles accept them",
  options: { name: { type: 'string' }, ...CA_PASSPHRASE_OPTIONS },
  async run(ctx) {
    const [file, ...more] = ctx.positionals;
    if (file === undefined || more.length > 0)
      throw new AppError('input.invalid', 'name exactly one CA certificate file (PEM)');
    const pem = await readInput(ctx, file);
    const backend = await unlockCa(ctx);
    const { ca, added } = await importOrgCa(
      backend.workspace,
      pem,
      str(ctx, 'name') ?? '',
      ctx.as ?? osActor(),
    );
    print(
      ctx,
      { sha256: ca.sha256, subject: ca.subject, added },
      added
        ? `organisation CA ${ca.subject} imported (SHA-256 fingerprint ${ca.sha256})`
        : `organisation CA ${ca.subject} was already imported; nothing changed`,
    );
    return EXIT.ok;
  },
};

const caInstallCert: CliCommand = {
  path: ['ca', 'install-cert'],
  usage: 'ca install-cert (USER | --workstation) CERT.pem [--ca-passphrase-file F] [--json]',
  summary:
    "install the certificate an imported organisation CA issued for a user's key or the workstation key (from `vigil ca csr`)",
  options: { workstation: { type: 'boolean' }, ...CA_PASSPHRASE_OPTIONS },
  async run(ctx) {
    const forWorkstation = ctx.values.workstation === true;
    const args = ctx.positionals;
    if (args.length !== (forWorkstation ? 1 : 2))
      throw new AppError('input.invalid', 'give USER CERT.pem, or --workstation CERT.pem');
    const file = args[args.length - 1] ?? '';
    const pem = await readInput(ctx, file);
    const backend = await unlockCa(ctx);
    const actor = ctx.as ?? osActor();
    const installed = forWorkstation
      ? await installWorkstationCertificate(backend.workspace, pem, actor)
      : await installUserCertificate(backend.workspace, args[0] ?? '', pem, actor);
    print(
      ctx,
      installed,
      `certificate ${installed.certificateSha256} issued by ${installed.issuer} installed for ${installed.subject}`,
    );
    return EXIT.ok;
  },
};

export const ORG_CA_COMMANDS: readonly CliCommand[] = [caCsr, caImportCert, caInstallCert];
