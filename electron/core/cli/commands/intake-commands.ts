import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ReportFields, type ImportLine } from '@shared/contract/methods/intake';
import type { Role } from '@shared/domain/users';
import { INTAKE_FLAG_REASON, raiseSuspectedCsam } from '@core/review/suspected-csam-flag';
import { AppError } from '@shared/errors/app-error';
import { tamperedText } from '@core/capture/manifest-view';
import { createIntakeService } from '@core/intake/intake-service';
import type { ReportDefaults } from '@core/intake/report-file';
import type { ImportSink } from '@core/intake/import-job';
import { DEFAULT_IMPORT_MAX_BYTES } from '@core/intake/list-lines';
import { escapeForTerminal as termSafe, jsonForTerminal } from '../terminal-text';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
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
      [
        out.merged
          ? `merged report ${out.report.id} into resource ${out.resource.id} (${out.resource.reportCount} reports) ${termSafe(out.resource.url)}`
          : `added report ${out.report.id} as new resource ${out.resource.id} ${termSafe(out.resource.url)}`,
        ...intakeHintText(shares),
      ].join('\n'),
    );
    return EXIT.ok;
  },
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
async function listFile(ctx: CliContext, file: string, maxBytes: number): Promise<string> {
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

async function readListFile(ctx: CliContext, file: string, maxBytes: number): Promise<string> {
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
    ];
    print(ctx, detail, lines.join('\n'));
    return EXIT.ok;
  },
};

export const INTAKE_COMMANDS: readonly CliCommand[] = [reportAdd, reportImport, showResource];
