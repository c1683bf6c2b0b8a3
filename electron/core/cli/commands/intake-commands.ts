import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ReportFields, type ImportLine, type ResourceDetail } from '@shared/contract/methods/intake';
import { CategoryHint, ResourceState, type ResourceSummary } from '@shared/domain/resources';
import type { Role } from '@shared/domain/users';
import { INTAKE_FLAG_REASON, raiseSuspectedCsam } from '@core/review/suspected-csam-flag';
import { AppError } from '@shared/errors/app-error';
import { tamperedText } from '@core/capture/manifest-view';
import { createIntakeService } from '@core/intake/intake-service';
import type { ReportDefaults } from '@core/intake/report-file';
import type { ImportSink } from '@core/intake/import-job';
import { DEFAULT_IMPORT_MAX_BYTES } from '@core/intake/list-lines';
import { escapeForTerminal as termSafe, jsonForTerminal } from '../terminal-text';
import { EXIT, type CliCommand, type CliContext, type RemoteCliContext } from '../cli-types';
import { fileLine, importBatches } from '../remote-cli-import';
import { print, str } from '../cli-helpers';
import { osActor } from './foundation-commands';
import { intakeHintText } from './indicator-commands';

const REPORT_OPTIONS = {
  source: { type: 'string' },
  category: { type: 'string' },
  note: { type: 'string' },
  reporter: { type: 'string' },
  case: { type: 'string' },
  received: { type: 'string' },
  'allow-private-network': { type: 'boolean' },
} as const;

/** The report fields given as options, checked with the contract's own schema. */
function optionFields(ctx: Pick<CliContext, 'values'>): ReportDefaults {
  const raw: Record<string, string> = {};
  const map = [
    ['source', 'sourceType'],
    ['category', 'category'],
    ['note', 'note'],
    ['reporter', 'reporterRef'],
    ['case', 'caseRef'],
    ['received', 'receivedAt'],
  ] as const;
  for (const [option, field] of map) {
    const value = str(ctx, option);
    if (value !== undefined) raw[field] = value;
  }
  const parsed = ReportFields.omit({ url: true }).partial().safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    const option = map.find(([, f]) => f === field)?.[0] ?? field;
    throw new AppError('input.invalid', `--${option}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

type ReportAdded = Readonly<{
  merged: boolean;
  report: { id: string };
  resource: { id: string; url: string; reportCount: number };
}>;

function reportAddedText(out: ReportAdded): string {
  return out.merged
    ? `merged report ${out.report.id} into resource ${out.resource.id} (${out.resource.reportCount} reports) ${termSafe(out.resource.url)}`
    : `added report ${out.report.id} as new resource ${out.resource.id} ${termSafe(out.resource.url)}`;
}

/** Options whose effect is the workstation's own (its network policy): a team server decides them itself. */
function refuseLocalOptions(ctx: RemoteCliContext, names: readonly string[]): void {
  const given = names.find((n) => ctx.values[n] !== undefined);
  if (given !== undefined)
    throw new AppError(
      'input.invalid',
      `--${given} is not available with --server (the team server decides it)`,
    );
}

/** `report add` on a team server: the same fields through `reports.add`. */
async function reportAddRemote(ctx: RemoteCliContext): Promise<number> {
  const [url, extra] = ctx.positionals;
  if (url === undefined || extra !== undefined)
    throw new AppError('input.invalid', 'give exactly one URL (quote it if it contains & or spaces)');
  refuseLocalOptions(ctx, ['allow-private-network']);
  const fields = optionFields(ctx);
  const out = await ctx.server.call('reports.add', {
    ...fields,
    sourceType: fields.sourceType ?? 'citizen',
    url,
    ...(ctx.values['suspected-csam'] === true ? { suspectedCsam: true } : {}),
  });
  print(ctx, out, reportAddedText(out));
  return EXIT.ok;
}

const reportAdd: CliCommand = {
  path: ['report', 'add'],
  usage:
    'report add URL [--source S] [--category C] [--note T] [--reporter R] [--case REF] [--received T] [--suspected-csam] [--allow-private-network] [--json]',
  summary: 'enter one reported URL; a URL already known is merged into its resource',
  // --suspected-csam flags the resource at intake: it is then captured restricted (media never kept).
  options: { ...REPORT_OPTIONS, 'suspected-csam': { type: 'boolean' } },
  async run(ctx) {
    const [url, extra] = ctx.positionals;
    if (url === undefined || extra !== undefined) {
      throw new AppError('input.invalid', 'give exactly one URL (quote it if it contains & or spaces)');
    }
    const fields = optionFields(ctx);
    const backend = await ctx.backend();
    const intake = createIntakeService(backend.workspace);
    const out = await intake.addReport(
      { ...fields, sourceType: fields.sourceType ?? 'citizen', url },
      { actor: ctx.as ?? osActor(), allowPrivateNetwork: ctx.values['allow-private-network'] === true },
    );
    if (ctx.values['suspected-csam'] === true)
      await raiseSuspectedCsam(backend.workspace, {
        resourceId: out.resource.id,
        reason: INTAKE_FLAG_REASON,
        actor: ctx.as ?? osActor(),
        source: 'intake',
      });
    // Known resources sharing an indicator with this one (its URL's, its captures'): one line each.
    const shares = await backend.indicators.reportHints(out.resource.id, out.resource.url);
    print(
      ctx,
      shares.length > 0 ? { ...out, shares } : out,
      [reportAddedText(out), ...intakeHintText(shares)].join('\n'),
    );
    return EXIT.ok;
  },
  remote: reportAddRemote,
};

function lineText(l: ImportLine): string {
  const where = `line ${String(l.line).padStart(5)}`;
  if (l.outcome === 'rejected')
    return `${where}  rejected  ${termSafe(l.url)}  — ${termSafe(l.reason ?? '')}`;
  const note = l.reason === undefined ? '' : `  (${termSafe(l.reason)})`;
  return `${where}  ${l.outcome.padEnd(8)}  ${l.resourceId ?? ''}  ${termSafe(l.url)}${note}`;
}

/**
 * The list file, checked before a byte of it is read: a regular file (a device such as /dev/zero
 * or a pipe never ends) no larger than the import limit.
 */
async function listFile(ctx: Pick<CliContext, 'io'>, file: string, maxBytes: number): Promise<string> {
  const path = resolve(ctx.io.cwd, file);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new AppError('intake.bad-file', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (!info.isFile()) throw new AppError('intake.bad-file', `${file} is not a regular file`);
  if (info.size > maxBytes) {
    throw new AppError(
      'intake.bad-file',
      `${file} is ${info.size} bytes, more than the import limit of ${maxBytes} (setting importMaxBytes); split the list`,
    );
  }
  return path;
}

async function readListFile(ctx: Pick<CliContext, 'io'>, file: string, maxBytes: number): Promise<string> {
  const bytes = await readFile(await listFile(ctx, file, maxBytes));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError(
      'intake.bad-file',
      `${file} is not UTF-8 text; save it as UTF-8 (CSV UTF-8) and import again`,
    );
  }
}

type ImportCounts = Readonly<{ added: number; merged: number; rejected: number }>;

const importSummary = (r: ImportCounts, lines: number): string =>
  `${lines} lines: ${r.added} added, ${r.merged} merged, ${r.rejected} rejected`;

/**
 * `report import` on a team server: the list in batches of whole lines, one `reports.import` (or
 * `reports.previewImport` with --dry-run) each, printed as each batch is answered, with the file's
 * own line numbers. A list that stopped half-way is imported again: known URLs merge, nothing doubles.
 */
async function reportImportRemote(ctx: RemoteCliContext): Promise<number> {
  const [file, extra] = ctx.positionals;
  if (file === undefined || extra !== undefined) throw new AppError('input.invalid', 'give exactly one FILE');
  refuseLocalOptions(ctx, ['allow-private-network']);
  const defaults = {
    ...optionFields(ctx),
    ...(ctx.values['suspected-csam'] === true ? { suspectedCsam: true } : {}),
  };
  const fileName = basename(file);
  const content = await readListFile(ctx, file, DEFAULT_IMPORT_MAX_BYTES);
  const dryRun = ctx.values['dry-run'] === true;
  const batches = importBatches(fileName, content);
  const total = { lines: [] as ImportLine[], added: 0, merged: 0, rejected: 0 };
  for (const [i, batch] of batches.entries()) {
    const input = { fileName, content: batch.content, defaults };
    const result = dryRun
      ? await ctx.server.call('reports.previewImport', input)
      : await ctx.server.call('reports.import', input);
    const lines = result.lines.map((l) => fileLine(batch, l));
    total.lines.push(...lines);
    total.added += result.added;
    total.merged += result.merged;
    total.rejected += result.rejected;
    if (!ctx.json) ctx.io.stdout(lines.map((l) => `${lineText(l)}\n`).join(''));
    if (ctx.values.quiet !== true)
      ctx.io.stderr(
        `import batch ${i + 1} of ${batches.length}: ${importSummary(total, total.lines.length)}\n`,
      );
  }
  const summary = `${importSummary(total, total.lines.length)}${dryRun ? ' (dry run: nothing stored)' : ''}`;
  ctx.io.stdout(ctx.json ? `${jsonForTerminal(total, 2)}\n` : `${summary}\n`);
  return EXIT.ok;
}

const reportImport: CliCommand = {
  path: ['report', 'import'],
  usage:
    'report import FILE(.csv|.txt) [--dry-run] [--source S] [--category C] [--case REF] [--suspected-csam] [--allow-private-network] [--quiet] [--json]',
  summary:
    'import a list of reports as one resumable job; prints every line as added, merged or rejected (with the reason), progress on stderr',
  // --suspected-csam answers yes for every line (a plain list has no column for it); a CSV's
  // suspected_csam cell answers for its own line.
  options: {
    ...REPORT_OPTIONS,
    'dry-run': { type: 'boolean' },
    quiet: { type: 'boolean' },
    'suspected-csam': { type: 'boolean' },
  },
  async run(ctx) {
    const [file, extra] = ctx.positionals;
    if (file === undefined || extra !== undefined)
      throw new AppError('input.invalid', 'give exactly one FILE');
    const defaults: ReportDefaults = {
      ...optionFields(ctx),
      ...(ctx.values['suspected-csam'] === true ? { suspectedCsam: true } : {}),
    };
    const backend = await ctx.backend();
    const maxBytes = (await backend.settings.get()).importMaxBytes ?? DEFAULT_IMPORT_MAX_BYTES;
    const intake = createIntakeService(backend.workspace);
    const opts = {
      actor: ctx.as ?? osActor(),
      allowPrivateNetwork: ctx.values['allow-private-network'] === true,
    };
    if (ctx.values['dry-run'] === true) {
      const content = await readListFile(ctx, file, maxBytes);
      const result = await intake.previewImport({ fileName: basename(file), content, defaults }, opts);
      const summary = `${result.lines.length} lines: ${result.added} added, ${result.merged} merged, ${result.rejected} rejected (dry run: nothing stored)`;
      print(ctx, result, [...result.lines.map(lineText), summary].join('\n'));
      return EXIT.ok;
    }
    const path = await listFile(ctx, file, maxBytes);
    const out = await intake.importFile(
      {
        fileName: basename(file),
        open: () => createReadStream(path, { highWaterMark: 64 * 1024 }),
        // `put`, not `putFile`: the user's list stays where it is.
        store: () => backend.workspace.blobs.put(createReadStream(path)),
      },
      defaults,
      opts,
      importPrinter(ctx),
    );
    const resumed = out.resumedAfterLine > 0 ? ` (resumed after line ${out.resumedAfterLine})` : '';
    if (ctx.json)
      ctx.io.stdout(
        `],\n"added":${out.added},"merged":${out.merged},"rejected":${out.rejected},"job":${jsonForTerminal(out.jobId)},"resumedAfterLine":${out.resumedAfterLine}}\n`,
      );
    else
      ctx.io.stdout(
        `${out.rowsDone} lines: ${out.added} added, ${out.merged} merged, ${out.rejected} rejected${resumed}\n`,
      );
    // Rejected lines are an expected outcome of a list, reported above; the import itself succeeded.
    return EXIT.ok;
  },
  remote: reportImportRemote,
};

/**
 * Prints each line as its batch commits (nothing is kept: a 50,000-line list prints as it goes), and
 * one progress line per batch on stderr. `--json` streams the same shape `--dry-run --json` prints.
 */
function importPrinter(ctx: CliContext): ImportSink {
  let first = true;
  if (ctx.json) ctx.io.stdout('{"lines":[\n');
  return {
    line: (l) => {
      if (ctx.json) {
        ctx.io.stdout(`${first ? '' : ',\n'}${jsonForTerminal(l)}`);
        first = false;
      } else ctx.io.stdout(`${lineText(l)}\n`);
    },
    progress: (p) => {
      if (ctx.values.quiet === true) return;
      ctx.io.stderr(
        `import ${p.jobId}: ${p.rowsDone} of ${p.rows} lines (${p.added} added, ${p.merged} merged, ${p.rejected} rejected)\n`,
      );
    },
  };
}

function resourceDetailText(detail: ResourceDetail, role: Role): string {
  const r = detail.resource;
  return [
    `resource ${r.id}  ${r.state}`,
    `url      ${termSafe(r.url)}`,
    ...(r.displayUrl === r.url ? [] : [`display  ${termSafe(r.displayUrl)}`]),
    `host     ${termSafe(r.host)}`,
    `case     ${termSafe(r.caseRef ?? '-')}`,
    `category ${termSafe(r.categories.join(', ') || '-')}`,
    `created  ${r.createdAt}   updated ${r.updatedAt}`,
    `reports  ${r.reportCount}`,
    ...detail.reports.map(
      (p) =>
        `  ${p.id}  ${p.receivedAt}  ${p.sourceType}${p.reporterRef ? ` (${termSafe(p.reporterRef)})` : ''}  ${termSafe(p.originalUrl)}${p.note ? `\n      ${termSafe(p.note)}` : ''}`,
    ),
    `captures ${detail.captures.length}`,
    ...detail.captures.map(
      (c) =>
        `  ${c.id}  ${c.startedAt}  ${c.outcome}  ${c.manifestSha256}${c.tampered ? `\n      TAMPERED ${tamperedText(c.tampered)}` : ''}`,
    ),
    `decisions ${detail.decisions.length}`,
    ...detail.decisions.map(
      (d) => `  ${d.id}  ${d.signedAt}  ${d.fields.decision}  by ${termSafe(d.reviewer.name)}`,
    ),
    `allowed  ${detail.allowedActions.join(', ') || '-'} (as ${role})`,
  ].join('\n');
}

const resourceIdOf = (positionals: readonly string[]): string => {
  const [id] = positionals;
  if (id === undefined) throw new AppError('input.invalid', 'give the resource id (res_…)');
  return id;
};

const showResource: CliCommand = {
  path: ['show', 'resource'],
  usage: 'show resource ID [--json]',
  summary: 'a resource with its reports, captures, decisions and what may be done next',
  async run(ctx) {
    const id = resourceIdOf(ctx.positionals);
    const backend = await ctx.backend();
    // Without --as the CLI acts as the data dir's owner, who administers this workstation.
    const role: Role = ctx.as === null ? 'admin' : ((await backend.users.byName(ctx.as))?.role ?? 'admin');
    const detail = await createIntakeService(backend.workspace).getResource(id, role);
    print(ctx, detail, resourceDetailText(detail, role));
    return EXIT.ok;
  },
  async remote(ctx) {
    const detail = await ctx.server.call('resources.get', { id: resourceIdOf(ctx.positionals) });
    print(ctx, detail, resourceDetailText(detail, ctx.server.user.role));
    return EXIT.ok;
  },
};

/** The filters of `resource list`, checked with the contract's own schemas. */
function resourceQueryOf(ctx: Pick<CliContext, 'values'>) {
  const state = str(ctx, 'state');
  const category = str(ctx, 'category');
  const limit = Number(str(ctx, 'limit') ?? '100');
  const offset = Number(str(ctx, 'offset') ?? '0');
  if (state !== undefined && !ResourceState.safeParse(state).success)
    throw new AppError('input.invalid', `--state must be one of ${ResourceState.options.join(', ')}`);
  if (category !== undefined && !CategoryHint.safeParse(category).success)
    throw new AppError('input.invalid', `--category must be one of ${CategoryHint.options.join(', ')}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new AppError('input.invalid', '--limit must be a whole number from 1 to 1000');
  if (!Number.isInteger(offset) || offset < 0)
    throw new AppError('input.invalid', '--offset must be a whole number, 0 or more');
  const text = str(ctx, 'text');
  return {
    ...(state === undefined ? {} : { state: ResourceState.parse(state) }),
    ...(category === undefined ? {} : { category: CategoryHint.parse(category) }),
    ...(text === undefined ? {} : { text }),
    sort: 'updatedAt' as const,
    direction: 'desc' as const,
    offset,
    limit,
  };
}

function resourceListText(
  page: { items: readonly ResourceSummary[]; total: number },
  offset: number,
): string {
  const rows = page.items.map(
    (r) => `${r.id}  ${r.state.padEnd(12)}  ${String(r.reportCount).padStart(3)}  ${termSafe(r.displayUrl)}`,
  );
  const shown = page.items.length === 0 ? 'no resources' : `${offset + 1}–${offset + page.items.length}`;
  return [...rows, `${shown} of ${page.total}`].join('\n');
}

const resourceList: CliCommand = {
  path: ['resource', 'list'],
  usage: 'resource list [--state S] [--category C] [--text T] [--limit N] [--offset N] [--json]',
  summary: 'resources, most recently updated first (id, state, reports, URL), one page at a time',
  options: {
    state: { type: 'string' },
    category: { type: 'string' },
    text: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  },
  async run(ctx) {
    const query = resourceQueryOf(ctx);
    const page = await createIntakeService((await ctx.backend()).workspace).listResources(query);
    print(ctx, page, resourceListText(page, query.offset));
    return EXIT.ok;
  },
  async remote(ctx) {
    const query = resourceQueryOf(ctx);
    const page = await ctx.server.call('resources.list', query);
    print(ctx, page, resourceListText(page, query.offset));
    return EXIT.ok;
  },
};

export const INTAKE_COMMANDS: readonly CliCommand[] = [reportAdd, reportImport, showResource, resourceList];
