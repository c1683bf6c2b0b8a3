import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Role, UserName, Password } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { listAudit } from '@core/custody/audit-log';
import { verifyAuditAndRecord, verifyStoreAndRecord } from '@core/custody/recorded-checks';
import type { HeadTimestampReport } from '@core/custody/head-timestamps';
import type { AuditVerifyResult } from '@shared/contract/methods/custody';
import { openWorkspace } from '@core/workspace';
import { startHttpBridge } from '@core/bridge/http-bridge';
import type { CaKeyState } from '@core/custody/ca-key';
import { CA_PASSPHRASE_OPTIONS, caPassphraseOf } from '../ca-passphrase';
import { print } from '../cli-helpers';
import { EXIT, type CliCommand } from '../cli-types';
import { openInBrowser } from '../open-browser';
import { writeSignInFile } from '../sign-in-file';
import { escapeForTerminal } from '../terminal-text';
import { refuseOverwrite } from '../out-files';

/** Acts done from the CLI without --as are recorded as the OS account that owns the data dir. */
/** `audit verify`'s lines on the head tokens: every failing one, then up to which row the log is anchored. */
function anchoredText(t: HeadTimestampReport): string {
  const bad = t.checks
    .filter((c) => !c.ok)
    .map((c) => `head time-stamp of row ${c.seq} FAILED: ${c.problem ?? ''}`);
  const anchor =
    t.anchoredSeq === null
      ? 'not anchored: no time-stamp by an independent authority covers the log'
      : `anchored up to row ${t.anchoredSeq} at ${t.anchoredAt ?? ''} (RFC 3161, ${t.checks.filter((c) => c.ok).length} of ${t.checks.length} head time-stamps verify)`;
  return [...bad, anchor].join('\n');
}

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
  // Standard input carries the new user's password, never the proof of --as.
  stdinPassword: 'other',
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

function auditVerifyText(result: AuditVerifyResult, chainOk: boolean): string {
  const head = chainOk
    ? `audit log intact: ${result.rows} rows, head ${result.headSeq} ${result.headHash ?? ''}`
    : `audit log BROKEN at seq ${result.firstBadSeq}: ${result.problem}`;
  return result.timestamps === undefined ? head : `${head}\n${anchoredText(result.timestamps)}`;
}

const auditVerify: CliCommand = {
  path: ['audit', 'verify'],
  usage: 'audit verify [--json]',
  summary: 'walk the hash chain of the custody log; exit 1 at the first bad row',
  async run(ctx) {
    const backend = await ctx.backend();
    const ws = backend.workspace;
    const { result, chainOk, note } = await verifyAuditAndRecord(
      { ws, settings: backend.settings },
      ctx.as ?? osActor(),
    );
    if (note !== null) ctx.io.stderr(`${note}\n`);
    print(ctx, result, auditVerifyText(result, chainOk));
    return result.ok ? EXIT.ok : EXIT.checkFailed;
  },
  /** Run on the team server, over its PostgreSQL chain; the server records the check as the signed-in user. */
  async remote(ctx) {
    const result = await ctx.server.call('audit.verify', {});
    // The chain failed when it names a problem; a failing head time-stamp alone leaves it intact.
    print(ctx, result, auditVerifyText(result, result.problem === null));
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
    const { result, note } = await verifyStoreAndRecord(ws, ctx.as ?? osActor());
    if (note !== null) ctx.io.stderr(`${note}\n`);
    const lines = result.bad.map((b) => `BAD ${b.problem} ${b.sha256} ${b.path}`);
    lines.push(
      ...result.unreferenced.map((u) => `UNREFERENCED ${u.bytes} bytes ${u.path} (no row names this file)`),
    );
    lines.push(
      result.ok
        ? `store intact: ${result.checked} blobs, ${result.bytes} bytes, no other files`
        : `${result.bad.length} of ${result.checked} blobs failed; ${result.unreferenced.length} files no row names`,
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
    // While the UI is served, pending time-stamps are retried and the log's head stamped daily;
    // indicators of captures read by an older extractor or lexicon are extracted again.
    backend.time.start();
    void backend.keepIndicatorsCurrent();
    ctx.io.stdout(
      `Vigil is running at ${bridge.url}\nOpen this link to sign in (it works once, within a minute; it is the key to this session): ${bridge.loginUrl}\n`,
    );
    // The browser gets its own one-time token through a 0600 file, never on a command line.
    const file =
      ctx.values['no-open'] === true ? null : await writeSignInFile(bridge.url, bridge.newLoginToken());
    if (file !== null) openInBrowser(pathToFileURL(file.path).href);
    await ctx.io.waitForStop();
    await file?.remove();
    await bridge.close();
    return EXIT.ok;
  },
};

const userUnlock: CliCommand = {
  path: ['user', 'unlock'],
  usage: 'user unlock NAME [--json]',
  summary: 'lift the lockout after failed sign-ins (a user.unlocked custody event)',
  async run(ctx) {
    const parsedName = UserName.safeParse(ctx.positionals[0]);
    if (!parsedName.success)
      throw new AppError('user.bad-name', `user name: ${parsedName.error.issues[0]?.message ?? 'invalid'}`);
    const result = await (await ctx.backend()).users.unlock(parsedName.data, ctx.as ?? osActor());
    print(
      ctx,
      { name: parsedName.data, ...result },
      result.wasLocked
        ? `${parsedName.data}: unlocked (${result.failures} failed sign-ins cleared)`
        : `${parsedName.data}: was not locked (${result.failures} failed sign-ins cleared)`,
    );
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
        .map((r) =>
          [r.seq, r.at, r.actor, r.action, r.subject, JSON.stringify(r.details)]
            .map((field) => escapeForTerminal(String(field)))
            .join('\t'),
        )
        .join('\n') || '(no rows)',
    );
    return EXIT.ok;
  },
};

const keysExport: CliCommand = {
  path: ['keys', 'export'],
  usage: 'keys export --out DIR [--force] [--json]',
  summary:
    'write every public key and certificate as PEM (for openssl dgst -sha256 -verify); existing files need --force',
  options: { out: { type: 'string' }, force: { type: 'boolean' } },
  async run(ctx) {
    const out = ctx.values.out;
    if (typeof out !== 'string' || out === '')
      throw new AppError('input.invalid', 'name the folder with --out DIR');
    const backend = await ctx.backend();
    const ws = backend.workspace;
    const files: [string, string][] = [
      ['ca.crt.pem', ws.ca.certPem],
      ['workstation.pub.pem', ws.workstation.publicKeyPem],
      ['workstation.crt.pem', ws.workstation.certificatePem],
    ];
    for (const user of await backend.users.list()) {
      const identity = await backend.users.publicIdentity(user.name);
      if (identity === null) continue;
      files.push([`users/${user.name}.pub.pem`, identity.publicKeyPem]);
      files.push([`users/${user.name}.crt.pem`, identity.certificatePem]);
    }
    const force = ctx.values.force === true;
    refuseOverwrite(
      files.map(([name]) => join(out, name)),
      force,
    );
    await mkdir(join(out, 'users'), { recursive: true });
    const written: string[] = [];
    for (const [name, pem] of files) {
      await writeFile(join(out, name), pem.endsWith('\n') ? pem : `${pem}\n`, { flag: force ? 'w' : 'wx' });
      written.push(name);
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
  userUnlock,
  auditVerify,
  auditList,
  verifyStoreCommand,
  keysExport,
  serve,
];
