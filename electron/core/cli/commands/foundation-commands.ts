import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Role, UserName, Password } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { listAudit, verifyAudit } from '@core/custody/audit-log';
import { openWorkspace } from '@core/workspace';
import { startHttpBridge } from '@core/bridge/http-bridge';
import { verifyStore } from '@core/store/verify-store';
import type { CaKeyState } from '@core/custody/ca-key';
import { CA_PASSPHRASE_OPTIONS, caPassphraseOf } from '../ca-passphrase';
import { print } from '../cli-helpers';
import { EXIT, type CliCommand } from '../cli-types';
import { openInBrowser } from '../open-browser';

/** Acts done from the CLI without --as are recorded as the OS account that owns the data dir. */
export const osActor = (): string => `os:${userInfo().username}`;

/** What `init` says when the CA key is not (yet) under a passphrase. */
export function caKeyNotice(state: CaKeyState): string {
  if (state === 'host-sealed' || state === 'clear')
    return `\nthe CA key is not protected by a CA passphrase yet: run \`vigil keys protect-ca --ca-passphrase-file FILE\``;
  if (state === 'absent') return '\nno CA key here: certificates are issued outside Vigil';
  return '';
}

const init: CliCommand = {
  path: ['init'],
  usage: 'init [--ca-passphrase-stdin | --ca-passphrase-file F]',
  summary:
    'create the data dir, database, local CA (its key sealed under the CA passphrase) and workstation key (idempotent)',
  options: { ...CA_PASSPHRASE_OPTIONS, 'ca-passphrase-stdin': { type: 'boolean' } },
  async run(ctx) {
    const caPassphrase = await caPassphraseOf(ctx);
    const { workspace, created } = await openWorkspace({
      dataDir: ctx.dataDir,
      ...(caPassphrase === undefined ? {} : { caPassphrase }),
    });
    try {
      const caKey = await workspace.ca.state();
      const result = {
        dataDir: workspace.paths.root,
        created,
        workstation: { name: workspace.workstationName, keyId: workspace.workstation.keyId },
        caKey,
      };
      print(
        ctx,
        result,
        (created.length === 0
          ? `${workspace.paths.root} is already initialised; nothing changed (workstation key ${workspace.workstation.keyId})`
          : `initialised ${workspace.paths.root}: ${created.join(', ')} (workstation key ${workspace.workstation.keyId})`) +
          caKeyNotice(caKey),
      );
      return EXIT.ok;
    } finally {
      await workspace.close();
    }
  },
};

const userAdd: CliCommand = {
  path: ['user', 'add'],
  usage:
    'user add NAME --role investigator|reviewer|admin [--display-name TEXT] [--password-stdin] [--ca-passphrase-file F]',
  summary: 'create a user with a signing key and a certificate issued by the local CA',
  options: {
    ...CA_PASSPHRASE_OPTIONS,
    role: { type: 'string' },
    'display-name': { type: 'string' },
    'password-stdin': { type: 'boolean' },
  },
  async run(ctx) {
    const [name] = ctx.positionals;
    const parsedName = UserName.safeParse(name);
    if (!parsedName.success)
      throw new AppError('user.bad-name', `user name: ${parsedName.error.issues[0]?.message ?? 'invalid'}`);
    const role = Role.safeParse(ctx.values.role);
    if (!role.success) throw new AppError('input.invalid', '--role must be investigator, reviewer or admin');
    const password = await ctx.password(`password for ${parsedName.data}: `);
    const checked = Password.safeParse(password);
    if (!checked.success)
      throw new AppError('user.weak-password', `password: ${checked.error.issues[0]?.message ?? 'invalid'}`);
    const caPassphrase = await caPassphraseOf(ctx);
    const backend = await ctx.backend();
    const displayName =
      typeof ctx.values['display-name'] === 'string' ? ctx.values['display-name'] : undefined;
    const user = await backend.users.create(
      {
        name: parsedName.data,
        role: role.data,
        password: checked.data,
        ...(displayName ? { displayName } : {}),
        ...(caPassphrase === undefined ? {} : { caPassphrase }),
      },
      ctx.as ?? osActor(),
    );
    print(ctx, user, `created ${user.role} ${user.name} (certificate ${user.certificateSha256})`);
    return EXIT.ok;
  },
};

const userList: CliCommand = {
  path: ['user', 'list'],
  usage: 'user list [--json]',
  summary: 'list users and roles',
  async run(ctx) {
    const users = await (await ctx.backend()).users.list();
    print(
      ctx,
      users,
      users
        .map((u) => `${u.name}\t${u.role}\t${u.displayName}${u.disabled ? '\t(disabled)' : ''}`)
        .join('\n') || '(no users)',
    );
    return EXIT.ok;
  },
};

const userSet: CliCommand = {
  path: ['user', 'set'],
  usage:
    'user set NAME [--role investigator|reviewer|admin] [--disable|--enable] [--display-name TEXT] [--ca-passphrase-file F]',
  summary:
    'change a role (re-issues the certificate), disable (revokes it in the CRL) or enable a user (issues a new one)',
  options: {
    ...CA_PASSPHRASE_OPTIONS,
    role: { type: 'string' },
    disable: { type: 'boolean' },
    enable: { type: 'boolean' },
    'display-name': { type: 'string' },
  },
  async run(ctx) {
    const [name] = ctx.positionals;
    const parsedName = UserName.safeParse(name);
    if (!parsedName.success)
      throw new AppError('user.bad-name', `user name: ${parsedName.error.issues[0]?.message ?? 'invalid'}`);
    const role = ctx.values.role === undefined ? undefined : Role.safeParse(ctx.values.role);
    if (role !== undefined && !role.success)
      throw new AppError('input.invalid', '--role must be investigator, reviewer or admin');
    if (ctx.values.disable === true && ctx.values.enable === true)
      throw new AppError('input.invalid', 'give --disable or --enable, not both');
    const disabled = ctx.values.disable === true ? true : ctx.values.enable === true ? false : undefined;
    const displayName =
      typeof ctx.values['display-name'] === 'string' ? ctx.values['display-name'].trim() : undefined;
    if (displayName === '') throw new AppError('input.invalid', '--display-name must not be empty');
    if (role === undefined && disabled === undefined && displayName === undefined)
      throw new AppError(
        'input.invalid',
        'nothing to change: give --role, --disable, --enable or --display-name',
      );
    const caPassphrase = await caPassphraseOf(ctx);
    const backend = await ctx.backend();
    const user = await backend.users.update(
      {
        ...(caPassphrase === undefined ? {} : { caPassphrase }),
        name: parsedName.data,
        ...(role === undefined ? {} : { role: role.data }),
        ...(disabled === undefined ? {} : { disabled }),
        ...(displayName === undefined ? {} : { displayName }),
      },
      ctx.as ?? osActor(),
    );
    print(
      ctx,
      user,
      `${user.name}: ${user.role}${user.disabled ? ', disabled' : ''} (certificate ${user.certificateSha256})`,
    );
    return EXIT.ok;
  },
};

const auditVerify: CliCommand = {
  path: ['audit', 'verify'],
  usage: 'audit verify [--json]',
  summary: 'walk the hash chain of the custody log; exit 1 at the first bad row',
  async run(ctx) {
    const backend = await ctx.backend();
    const ws = backend.workspace;
    const result = await ws.db.read(async (c) => verifyAudit(c, await ws.readAnchor()));
    await ws.record((_tx, audit) =>
      audit({
        actor: ctx.as ?? osActor(),
        action: 'audit.verified',
        subject: 'audit',
        details: { ok: result.ok, rows: result.rows, firstBadSeq: result.firstBadSeq },
      }),
    );
    print(
      ctx,
      result,
      result.ok
        ? `audit log intact: ${result.rows} rows, head ${result.headSeq} ${result.headHash ?? ''}`
        : `audit log BROKEN at seq ${result.firstBadSeq}: ${result.problem}`,
    );
    return result.ok ? EXIT.ok : EXIT.checkFailed;
  },
};

const verifyStoreCommand: CliCommand = {
  path: ['verify-store'],
  usage: 'verify-store [--json]',
  summary: 're-hash every stored blob against the database; exit 1 naming each bad blob',
  async run(ctx) {
    const backend = await ctx.backend();
    const ws = backend.workspace;
    const result = await verifyStore(ws);
    await ws.record((_tx, audit) =>
      audit({
        actor: ctx.as ?? osActor(),
        action: 'store.verified',
        subject: 'store',
        details: { ok: result.ok, checked: result.checked, bad: result.bad.map((b) => b.sha256) },
      }),
    );
    const lines = result.bad.map((b) => `BAD ${b.problem} ${b.sha256} ${b.path}`);
    lines.push(
      result.ok
        ? `store intact: ${result.checked} blobs, ${result.bytes} bytes`
        : `${result.bad.length} of ${result.checked} blobs failed`,
    );
    print(ctx, result, lines.join('\n'));
    return result.ok ? EXIT.ok : EXIT.checkFailed;
  },
};

const serve: CliCommand = {
  path: ['serve'],
  usage: 'serve [--port N] [--no-open]',
  summary: 'the UI in the local browser over the loopback bridge (127.0.0.1, sign-in required)',
  options: { port: { type: 'string' }, 'no-open': { type: 'boolean' } },
  async run(ctx) {
    const port = ctx.values.port === undefined ? 0 : Number(ctx.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new AppError('input.invalid', '--port must be 0–65535');
    const backend = await ctx.backend();
    const staticDir = fileURLToPath(new URL('../renderer', import.meta.url));
    const bridge = await startHttpBridge({ backend, port, staticDir });
    ctx.io.stdout(
      `Vigil is running at ${bridge.url}\nOpen this link to sign in (it is the key to this session): ${bridge.loginUrl}\n`,
    );
    if (ctx.values['no-open'] !== true) openInBrowser(bridge.loginUrl);
    await ctx.io.waitForStop();
    await bridge.close();
    return EXIT.ok;
  },
};

const auditList: CliCommand = {
  path: ['audit', 'list'],
  usage: 'audit list [--subject S] [--actor A] [--action PREFIX] [--limit N] [--json]',
  summary: 'print custody-log rows, newest first',
  options: {
    subject: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    limit: { type: 'string' },
  },
  async run(ctx) {
    const limit = ctx.values.limit === undefined ? 50 : Number(ctx.values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
      throw new AppError('input.invalid', '--limit must be 1–100000');
    const filter = {
      limit,
      ...(typeof ctx.values.subject === 'string' ? { subject: ctx.values.subject } : {}),
      ...(typeof ctx.values.actor === 'string' ? { actor: ctx.values.actor } : {}),
      ...(typeof ctx.values.action === 'string' ? { action: ctx.values.action } : {}),
    };
    const ws = (await ctx.backend()).workspace;
    const { rows } = await ws.db.read((c) => listAudit(c, filter));
    print(
      ctx,
      rows,
      rows
        .map((r) => `${r.seq}\t${r.at}\t${r.actor}\t${r.action}\t${r.subject}\t${JSON.stringify(r.details)}`)
        .join('\n') || '(no rows)',
    );
    return EXIT.ok;
  },
};

const keysExport: CliCommand = {
  path: ['keys', 'export'],
  usage: 'keys export --out DIR [--json]',
  summary: 'write every public key and certificate as PEM (for openssl dgst -sha256 -verify)',
  options: { out: { type: 'string' } },
  async run(ctx) {
    const out = ctx.values.out;
    if (typeof out !== 'string' || out === '')
      throw new AppError('input.invalid', 'name the folder with --out DIR');
    const backend = await ctx.backend();
    const ws = backend.workspace;
    await mkdir(join(out, 'users'), { recursive: true });
    const written: string[] = [];
    const put = async (name: string, pem: string) => {
      await writeFile(join(out, name), pem.endsWith('\n') ? pem : `${pem}\n`);
      written.push(name);
    };
    await put('ca.crt.pem', ws.ca.certPem);
    await put('workstation.pub.pem', ws.workstation.publicKeyPem);
    await put('workstation.crt.pem', ws.workstation.certificatePem);
    for (const user of await backend.users.list()) {
      const identity = await backend.users.publicIdentity(user.name);
      if (identity === null) continue;
      await put(`users/${user.name}.pub.pem`, identity.publicKeyPem);
      await put(`users/${user.name}.crt.pem`, identity.certificatePem);
    }
    print(ctx, { dir: out, files: written }, `wrote ${written.length} PEM files to ${out}`);
    return EXIT.ok;
  },
};

export const FOUNDATION_COMMANDS: readonly CliCommand[] = [
  init,
  userAdd,
  userList,
  userSet,
  auditVerify,
  auditList,
  verifyStoreCommand,
  keysExport,
  serve,
];
