import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ReportFields, type ImportLine } from '@shared/contract/methods/intake';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { createIntakeService } from '@core/intake/intake-service';
import type { ReportDefaults } from '@core/intake/report-file';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { print, str } from '../cli-helpers';
import { osActor } from './foundation-commands';

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
function optionFields(ctx: CliContext): ReportDefaults {
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

const reportAdd: CliCommand = {
  path: ['report', 'add'],
  usage:
    'report add URL [--source S] [--category C] [--note T] [--reporter R] [--case REF] [--received T] [--allow-private-network] [--json]',
  summary: 'enter one reported URL; a URL already known is merged into its resource',
  options: REPORT_OPTIONS,
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
    print(
      ctx,
      out,
      out.merged
        ? `merged report ${out.report.id} into resource ${out.resource.id} (${out.resource.reportCount} reports) ${out.resource.url}`
        : `added report ${out.report.id} as new resource ${out.resource.id} ${out.resource.url}`,
    );
    return EXIT.ok;
  },
};

function lineText(l: ImportLine): string {
  const where = `line ${String(l.line).padStart(5)}`;
  if (l.outcome === 'rejected') return `${where}  rejected  ${l.url}  — ${l.reason ?? ''}`;
  const note = l.reason === undefined ? '' : `  (${l.reason})`;
  return `${where}  ${l.outcome.padEnd(8)}  ${l.resourceId ?? ''}  ${l.url}${note}`;
}

async function readListFile(ctx: CliContext, file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(ctx.io.cwd, file));
  } catch (error) {
    throw new AppError('intake.bad-file', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError(
      'intake.bad-file',
      `${file} is not UTF-8 text; save it as UTF-8 (CSV UTF-8) and import again`,
    );
  }
}

const reportImport: CliCommand = {
  path: ['report', 'import'],
  usage:
    'report import FILE(.csv|.txt) [--dry-run] [--source S] [--category C] [--case REF] [--allow-private-network] [--json]',
  summary: 'import a list of reports; prints every line as added, merged or rejected (with the reason)',
  options: { ...REPORT_OPTIONS, 'dry-run': { type: 'boolean' } },
  async run(ctx) {
    const [file, extra] = ctx.positionals;
    if (file === undefined || extra !== undefined)
      throw new AppError('input.invalid', 'give exactly one FILE');
    const defaults = optionFields(ctx);
    const content = await readListFile(ctx, file);
    const backend = await ctx.backend();
    const intake = createIntakeService(backend.workspace);
    const request = { fileName: basename(file), content, defaults };
    const opts = {
      actor: ctx.as ?? osActor(),
      allowPrivateNetwork: ctx.values['allow-private-network'] === true,
    };
    const result =
      ctx.values['dry-run'] === true
        ? await intake.previewImport(request, opts)
        : await intake.importReports(request, opts);
    const summary = `${result.lines.length} lines: ${result.added} added, ${result.merged} merged, ${result.rejected} rejected${ctx.values['dry-run'] === true ? ' (dry run: nothing stored)' : ''}`;
    print(ctx, result, [...result.lines.map(lineText), summary].join('\n'));
    // Rejected lines are an expected outcome of a list, reported above; the import itself succeeded.
    return EXIT.ok;
  },
};

const showResource: CliCommand = {
  path: ['show', 'resource'],
  usage: 'show resource ID [--json]',
  summary: 'a resource with its reports, captures, decisions and what may be done next',
  async run(ctx) {
    const [id] = ctx.positionals;
    if (id === undefined) throw new AppError('input.invalid', 'give the resource id (res_…)');
    const backend = await ctx.backend();
    // Without --as the CLI acts as the data dir's owner, who administers this workstation.
    const role: Role = ctx.as === null ? 'admin' : ((await backend.users.byName(ctx.as))?.role ?? 'admin');
    const detail = await createIntakeService(backend.workspace).getResource(id, role);
    const r = detail.resource;
    const lines = [
      `resource ${r.id}  ${r.state}`,
      `url      ${r.url}`,
      ...(r.displayUrl === r.url ? [] : [`display  ${r.displayUrl}`]),
      `host     ${r.host}`,
      `case     ${r.caseRef ?? '-'}`,
      `category ${r.categories.join(', ') || '-'}`,
      `created  ${r.createdAt}   updated ${r.updatedAt}`,
      `reports  ${r.reportCount}`,
      ...detail.reports.map(
        (p) =>
          `  ${p.id}  ${p.receivedAt}  ${p.sourceType}${p.reporterRef ? ` (${p.reporterRef})` : ''}  ${p.originalUrl}${p.note ? `\n      ${p.note}` : ''}`,
      ),
      `captures ${detail.captures.length}`,
      ...detail.captures.map((c) => `  ${c.id}  ${c.startedAt}  ${c.outcome}  ${c.manifestSha256}`),
      `decisions ${detail.decisions.length}`,
      ...detail.decisions.map((d) => `  ${d.id}  ${d.signedAt}  ${d.fields.decision}  by ${d.reviewer.name}`),
      `allowed  ${detail.allowedActions.join(', ') || '-'} (as ${role})`,
    ];
    print(ctx, detail, lines.join('\n'));
    return EXIT.ok;
  },
};

export const INTAKE_COMMANDS: readonly CliCommand[] = [reportAdd, reportImport, showResource];
