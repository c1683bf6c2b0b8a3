import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { blocklistCsv, buildBlocklist, markBlocked, verifyBlocked } from '@core/bundle/blocklist';
import { createBundleService } from '@core/bundle/bundle-service';
import { formatReport, verifyBundle } from '@core/bundle/bundle-verify';
import { readAnchorFiles, type VerifyAnchors } from '@core/bundle/verify/anchors';
import { formatWaczReport, verifyWacz } from '@core/bundle/verify-wacz';
import { verifyWaczRecorded } from '@core/bundle/wacz-verify-record';
import { dataPaths } from '@core/data-dir';
import { saveDownloadedBundle } from '../bundle-download';
import type { Backend } from '@core/backend';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { print, str } from '../cli-helpers';
import { osActor } from './foundation-commands';
import { jsonForTerminal } from '../terminal-text';

const one = (ctx: CliContext, what: string): string => {
  const [value, ...more] = ctx.positionals;
  if (value === undefined || more.length > 0) throw new AppError('input.invalid', `name exactly one ${what}`);
  return value;
};

/** The acting user and the role the workflow rules check: the --as user's, else the workstation's own account. */
async function actorAndRole(ctx: CliContext, backend: Backend): Promise<{ actor: string; role: Role }> {
  if (ctx.as === null) return { actor: osActor(), role: 'admin' };
  const user = await backend.users.byName(ctx.as);
  if (user === null) throw new AppError('user.not-found', `--as names no user: ${ctx.as}`);
  return { actor: user.name, role: user.role };
}

type ExportTarget = Readonly<{
  selection: { caseRef: string } | { resourceIds: string[] };
  out: string;
}>;

/** `--case REF` or `--resource ID...`, and `--out FILE`: the same rules locally and over --server. */
function exportTargetOf(ctx: Pick<CliContext, 'values' | 'io'>): ExportTarget {
  const caseRef = str(ctx, 'case');
  const resources = (ctx.values.resource as string[] | undefined) ?? [];
  const out = str(ctx, 'out');
  if ((caseRef === undefined) === (resources.length === 0))
    throw new AppError('input.invalid', 'name either --case REF or one or more --resource ID');
  if (out === undefined) throw new AppError('input.invalid', '--out FILE is required');
  return {
    selection: caseRef !== undefined ? { caseRef } : { resourceIds: resources },
    out: resolve(ctx.io.cwd, out),
  };
}

const exportedText = (r: Readonly<{ files: number; bytes: number; sha256: string | null }>, path: string) =>
  `exported ${r.files} files, ${r.bytes} bytes to ${path}${r.sha256 ? `\nsha256 ${r.sha256}` : ''}`;

/** The last segment of a path the server reported (its own separators, whichever OS it runs on). */
const serverFileName = (path: string): string => path.split(/[\\/]/).pop() ?? '';

const exportCommand: CliCommand = {
  path: ['export'],
  usage: 'export (--case REF | --resource ID...) --out FILE.zip [--dir] [--force] [--json]',
  summary:
    'write a court bundle (ZIP, or the same tree as a folder with --dir); over --server the server writes it and it is downloaded to FILE, checked against its SHA-256 (--force replaces an existing FILE)',
  options: {
    case: { type: 'string' },
    resource: { type: 'string', multiple: true },
    out: { type: 'string' },
    dir: { type: 'boolean' },
    force: { type: 'boolean' },
  },
  async run(ctx) {
    const target = exportTargetOf(ctx);
    if (ctx.values.force === true)
      throw new AppError(
        'input.invalid',
        '--force applies to `export` over --server only; locally an existing FILE is never replaced',
      );
    const backend = await ctx.backend();
    const service = createBundleService(backend.workspace, backend.settings);
    const result = await service.export(target.selection, {
      outPath: target.out,
      asDirectory: ctx.values.dir === true,
      actor: ctx.as ?? osActor(),
    });
    print(ctx, result, exportedText(result, result.path));
    return EXIT.ok;
  },
  // The server writes the bundle into its exports/ folder (bundle.export), then the ZIP is fetched
  // from its download route and only takes the name FILE here once its SHA-256 matches.
  async remote(ctx) {
    const target = exportTargetOf(ctx);
    if (ctx.values.dir === true)
      throw new AppError('input.invalid', '--dir is not downloadable over --server: export a ZIP');
    const force = ctx.values.force === true;
    if (!force && existsSync(target.out))
      throw new AppError(
        'bundle.write-failed',
        `${target.out} already exists; nothing is overwritten (--force replaces it)`,
      );
    const result = await ctx.server.call('bundle.export', { ...target.selection, asDirectory: false });
    if (result.sha256 === null)
      throw new AppError('bundle.write-failed', 'the server wrote no ZIP (no SHA-256): nothing to download');
    const bundle = await ctx.server.exportedBundle(serverFileName(result.path));
    await saveDownloadedBundle(bundle, result.sha256, target.out, force);
    const value = { ...result, path: target.out, serverPath: result.path };
    print(ctx, value, exportedText(result, target.out));
    return EXIT.ok;
  },
};

/** `--trust-ca FILE` and `--tsa-ca FILE` (each repeatable): the anchors the verifier chose. */
const ANCHOR_OPTIONS = {
  'trust-ca': { type: 'string', multiple: true },
  'tsa-ca': { type: 'string', multiple: true },
} as const;

const anchorsOf = (ctx: CliContext): Promise<VerifyAnchors> => {
  const files = (name: string) =>
    ((ctx.values[name] as string[] | undefined) ?? []).map((f) => resolve(ctx.io.cwd, f));
  return readAnchorFiles(files('trust-ca'), files('tsa-ca'));
};

const verifyCommand: CliCommand = {
  path: ['verify'],
  usage: 'verify FILE.zip|DIR|FILE.wacz [--trust-ca CA.pem] [--tsa-ca TSA-ROOT.pem] [--json]',
  summary:
    "check a court bundle, or a lone WACZ and its signature, offline; one line per check; exit 0 only when every check passes; --trust-ca / --tsa-ca anchor it to the issuing unit's CA and the TSA root obtained out of band (else trust is only self-consistent)",
  options: ANCHOR_OPTIONS,
  async run(ctx) {
    const path = resolve(ctx.io.cwd, one(ctx, 'bundle (ZIP file or folder) or WACZ file'));
    // A WACZ sent alone carries its own signature (WACZ signing spec): no data dir is involved.
    if (path.toLowerCase().endsWith('.wacz')) {
      const wacz = existsSync(dataPaths(ctx.dataDir).db)
        ? await verifyWaczRecorded((await ctx.backend()).workspace, path, ctx.as ?? osActor())
        : await verifyWacz(path);
      print(ctx, wacz, formatWaczReport(wacz));
      return wacz.ok ? EXIT.ok : EXIT.checkFailed;
    }
    let report;
    const anchors = await anchorsOf(ctx);
    // Anyone may check a bundle without a Vigil data dir; where one exists, the check is a custody event.
    if (existsSync(dataPaths(ctx.dataDir).db)) {
      const backend = await ctx.backend();
      report = await createBundleService(backend.workspace, backend.settings).verify(
        path,
        ctx.as ?? osActor(),
        undefined,
        anchors,
      );
    } else {
      report = await verifyBundle(path, anchors);
    }
    print(ctx, report, formatReport(report));
    return report.ok ? EXIT.ok : EXIT.checkFailed;
  },
};

const importCommand: CliCommand = {
  path: ['import'],
  usage: 'import FILE.zip|DIR [--trust-ca CA.pem] [--tsa-ca TSA-ROOT.pem] [--json]',
  summary:
    'verify a court bundle and import its evidence read-only; a failing bundle, or one whose CA is neither ours nor trusted (vigil trust add), is refused (exit 1)',
  options: ANCHOR_OPTIONS,
  async run(ctx) {
    const path = resolve(ctx.io.cwd, one(ctx, 'bundle (ZIP file or folder)'));
    const anchors = await anchorsOf(ctx);
    const backend = await ctx.backend();
    const result = await createBundleService(backend.workspace, backend.settings).import(
      path,
      ctx.as ?? osActor(),
      undefined,
      anchors,
    );
    if (!result.imported) {
      const untrusted = result.report.checks.some((c) => !c.ok && c.check.startsWith('anchor.'));
      print(
        ctx,
        result,
        `${formatReport(result.report)}import refused: the bundle does not verify; nothing was changed${
          untrusted
            ? "\nits CA is neither this data dir's CA nor one an administrator trusts (vigil trust list): compare its fingerprint with the issuing unit out of band, then vigil trust add CA.pem --name UNIT"
            : ''
        }`,
      );
      return EXIT.checkFailed;
    }
    print(
      ctx,
      result,
      `imported ${result.resources} resource(s), ${result.captures} capture(s), ${result.decisions} decision(s)`,
    );
    return EXIT.ok;
  },
};

const blocklistExport: CliCommand = {
  path: ['blocklist', 'export'],
  usage: 'blocklist export --format csv|json [--since DATE]',
  summary: 'print every resource with a signed approval: URL, host, measure, scope, decision, legal basis',
  options: { format: { type: 'string' }, since: { type: 'string' } },
  async run(ctx) {
    const format = str(ctx, 'format') ?? 'csv';
    if (format !== 'csv' && format !== 'json')
      throw new AppError('input.invalid', '--format must be csv or json');
    const since = str(ctx, 'since');
    const backend = await ctx.backend();
    const ws = backend.workspace;
    const list = await buildBlocklist(ws, since === undefined ? {} : { since });
    await ws.record((_tx, audit) =>
      audit({
        actor: ctx.as ?? osActor(),
        action: 'blocklist.exported',
        subject: 'blocklist',
        details: { format, since: since ?? null, entries: list.entries.length, skipped: list.skipped },
      }),
    );
    for (const s of list.skipped) ctx.io.stderr(`skipped decision ${s.decisionId}: ${s.reason}\n`);
    ctx.io.stdout(format === 'json' ? `${jsonForTerminal(list.entries, 2)}\n` : blocklistCsv(list));
    return EXIT.ok;
  },
};

const markBlockedCommand: CliCommand = {
  path: ['blocklist', 'mark-blocked'],
  usage: 'blocklist mark-blocked RESOURCE',
  summary: 'record that the block of an approved resource is in place (approved → blocked)',
  async run(ctx) {
    const id = one(ctx, 'resource');
    const backend = await ctx.backend();
    const { actor, role } = await actorAndRole(ctx, backend);
    const state = await markBlocked(backend.workspace, id, actor, role);
    print(ctx, { resourceId: id, state }, `${id} ${state}`);
    return EXIT.ok;
  },
};

const verifyBlockedCommand: CliCommand = {
  path: ['blocklist', 'verify-blocked'],
  usage:
    'blocklist verify-blocked RESOURCE [--allow-private-network] [--ignore-certificate-errors] [--tsa URL]',
  summary:
    're-capture a blocked resource and record it as the evidence of the block (blocked → block_verified)',
  options: {
    'allow-private-network': { type: 'boolean' },
    'ignore-certificate-errors': { type: 'boolean' },
    tsa: { type: 'string' },
  },
  async run(ctx) {
    const id = one(ctx, 'resource');
    const backend = await ctx.backend();
    const { actor, role } = await actorAndRole(ctx, backend);
    const tsa = str(ctx, 'tsa');
    const result = await verifyBlocked(backend.workspace, backend.captures, id, actor, role, {
      ...(ctx.values['allow-private-network'] === true ? { allowPrivateNetwork: true } : {}),
      ...(ctx.values['ignore-certificate-errors'] === true ? { ignoreHttpsErrors: true } : {}),
      ...(tsa !== undefined ? { tsaUrl: tsa } : {}),
    });
    print(
      ctx,
      { resourceId: id, state: result.state, captureId: result.capture.id, reachable: result.reachable },
      `${id} ${result.state}: capture ${result.capture.id} ${result.capture.outcome} (HTTP ${result.capture.http.status ?? '-'})${result.reachable ? '\nwarning: the page still answered 2xx; look at the capture before relying on the block' : ''}`,
    );
    return EXIT.ok;
  },
};

export const BUNDLE_COMMANDS: CliCommand[] = [
  exportCommand,
  verifyCommand,
  importCommand,
  blocklistExport,
  markBlockedCommand,
  verifyBlockedCommand,
];
