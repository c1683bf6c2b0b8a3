import { resolve } from 'node:path';
import type { IntakeHint } from '@shared/contract/methods/indicators';
import { IndicatorType, INDICATOR_TYPES } from '@shared/domain/indicators';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import type { Backend } from '../../backend';
import { getResourceRef } from '../../db/repositories/resources-repo';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { refuseOverwrite } from '../out-files';
import { escapeForTerminal as terminalText } from '../terminal-text';
import { osActor } from './foundation-commands';

/** Indicators found in captures, who else holds them, the coded-term lexicons, and exports. */

async function actingRole(ctx: CliContext, backend: Backend): Promise<{ actor: string; role: Role }> {
  if (ctx.as === null) return { actor: osActor(), role: 'admin' };
  const user = await backend.users.byName(ctx.as);
  if (user === null) throw new AppError('user.not-found', `--as names no user: ${ctx.as}`);
  return { actor: user.name, role: user.role };
}

function one(ctx: CliContext, what: string): string {
  const [value, extra] = ctx.positionals;
  if (value === undefined || extra !== undefined)
    throw new AppError('input.invalid', `give exactly one ${what}`);
  return value;
}

const boxText = (b: { x: number; y: number; w: number; h: number } | null): string =>
  b === null
    ? 'not located'
    : `box ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.w)}×${Math.round(b.h)}`;

/** "shares btc bc1… with 12 resources, 3 already blocked": what report add prints for a new report. */
export function intakeHintText(hints: readonly IntakeHint[]): string[] {
  return hints.map(
    (h) =>
      `shares ${h.type} ${terminalText(h.value)} with ${h.resources} resource${h.resources === 1 ? '' : 's'}${h.blocked > 0 ? `, ${h.blocked} already blocked` : ''}`,
  );
}

const indicatorsOfResource: CliCommand = {
  path: ['indicators'],
  usage: 'indicators RESOURCE [--json]',
  summary: "every indicator and coded-term hit in the resource's captures, with where each was found",
  async run(ctx) {
    const id = one(ctx, 'RESOURCE id');
    const backend = await ctx.backend();
    if ((await backend.workspace.db.read((c) => getResourceRef(c, id))) === null)
      throw new AppError('evidence.not-found', `no resource ${id}`);
    const found = await backend.indicators.ofResource(id);
    const lines: string[] = [];
    for (const i of found.indicators) {
      const shared =
        i.sharedWith > 0 ? `  shared with ${i.sharedWith} resource(s), ${i.sharedBlocked} blocked` : '';
      lines.push(`${i.type}:${terminalText(i.value)}  ${i.occurrences.length} occurrence(s)${shared}`);
      for (const o of i.occurrences)
        lines.push(
          `  capture ${o.captureId}  ${o.artifact} ${o.artifactName}@${o.offset}+${o.length}  ${boxText(o.box)}  "${terminalText(o.raw)}"`,
        );
    }
    for (const h of found.hits)
      lines.push(
        `coded term "${terminalText(h.term)}" (${h.category}, ${h.language}, ${h.lexiconId} v${h.lexiconVersion})  capture ${h.captureId}  text@${h.offset}+${h.length}  ${boxText(h.box)}`,
      );
    if (lines.length === 0) lines.push('no indicators found in the captures of this resource');
    print(ctx, found, lines.join('\n'));
    return EXIT.ok;
  },
};

const reextract: CliCommand = {
  path: ['indicators', 'reextract'],
  usage: 'indicators reextract [--json]',
  summary:
    'extract indicators again from every capture whose newest extraction is older than this extractor or its lexicons (adds runs, never overwrites)',
  async run(ctx) {
    const backend = await ctx.backend();
    const { actor } = await actingRole(ctx, backend);
    const result = await backend.indicators.reextract(actor);
    print(
      ctx,
      result,
      [
        `extracted ${result.extracted} capture(s)`,
        ...result.failed.map((f) => `  failed ${f.captureId}: ${terminalText(f.error)}`),
      ].join('\n'),
    );
    return result.failed.length > 0 ? EXIT.checkFailed : EXIT.ok;
  },
};

/** `TYPE:VALUE` with TYPE one of the indicator types; the value is taken as given (normalised form). */
function parseIndicatorRef(text: string): { type: IndicatorType; value: string } {
  const colon = text.indexOf(':');
  const type = IndicatorType.safeParse(colon > 0 ? text.slice(0, colon) : '');
  const value = colon > 0 ? text.slice(colon + 1) : '';
  if (!type.success || value === '')
    throw new AppError(
      'input.invalid',
      `give TYPE:VALUE with TYPE one of ${INDICATOR_TYPES.join(', ')} (got ${text})`,
    );
  return { type: type.data, value };
}

const indicatorShow: CliCommand = {
  path: ['indicator', 'show'],
  usage: 'indicator show TYPE:VALUE [--json]',
  summary:
    'every resource and capture holding the indicator, with first and last seen (VALUE in normalised form)',
  async run(ctx) {
    const { type, value } = parseIndicatorRef(one(ctx, 'TYPE:VALUE'));
    const backend = await ctx.backend();
    const holders = await backend.indicators.holders(type, value);
    const lines =
      holders.resources.length === 0
        ? [`no capture holds ${type}:${terminalText(value)}`]
        : [
            `${type}:${terminalText(value)}  held by ${holders.resources.length} resource(s)`,
            ...holders.resources.flatMap((r) => [
              `  ${r.resourceId}  ${r.state}  first seen ${r.firstSeen}  last seen ${r.lastSeen}  ${terminalText(r.url)}`,
              ...r.captures.map(
                (c) => `    capture ${c.captureId}  ${c.capturedAt}  ${c.occurrences} occurrence(s)`,
              ),
            ]),
          ];
    print(ctx, holders, lines.join('\n'));
    return EXIT.ok;
  },
};

const lexiconList: CliCommand = {
  path: ['lexicon', 'list'],
  usage: 'lexicon list [--json]',
  summary: 'the coded-term lexicons kept, every version (the newest of each is matched)',
  async run(ctx) {
    const backend = await ctx.backend();
    const rows = await backend.indicators.lexicons();
    const listed = rows.map(({ body: _body, ...rest }) => rest);
    print(
      ctx,
      listed,
      listed.length === 0
        ? 'no lexicons kept'
        : listed
            .map(
              (l) =>
                `${l.lexiconId}  v${l.version}  ${l.language}  ${l.category}  imported ${l.importedAt} by ${terminalText(l.importedBy)}  sha256 ${l.sha256}  ${terminalText(l.source)}`,
            )
            .join('\n'),
    );
    return EXIT.ok;
  },
};

const lexiconImport: CliCommand = {
  path: ['lexicon', 'import'],
  usage: 'lexicon import FILE [--json]',
  summary:
    'add a lexicon version from a JSON file (admin; a custody event; a changed lexicon needs a new version number)',
  async run(ctx) {
    const file = resolve(ctx.io.cwd, one(ctx, 'FILE'));
    const backend = await ctx.backend();
    const { actor, role } = await actingRole(ctx, backend);
    if (role !== 'admin') throw new AppError('auth.forbidden', 'only an administrator imports lexicons');
    const result = await backend.indicators.importLexicon(file, actor);
    print(
      ctx,
      result,
      result.added
        ? `lexicon ${result.lexiconId} version ${result.version} imported`
        : `lexicon ${result.lexiconId} version ${result.version} is already kept (same content): nothing changed`,
    );
    return EXIT.ok;
  },
};

const exportIndicators: CliCommand = {
  path: ['export-indicators'],
  usage: 'export-indicators (--case REF | --resource ID...) --format stix|csv --out FILE [--force] [--json]',
  summary:
    "a case's or resources' indicators as a STIX 2.1 bundle (observables, indicators, relationships) or CSV",
  options: {
    case: { type: 'string' },
    resource: { type: 'string', multiple: true },
    format: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(ctx) {
    const caseRef = str(ctx, 'case');
    const given = ctx.values.resource;
    const resourceIds = Array.isArray(given) ? given.filter((v): v is string => typeof v === 'string') : [];
    const format = str(ctx, 'format');
    const out = str(ctx, 'out');
    if ((caseRef === undefined) === (resourceIds.length === 0))
      throw new AppError('input.invalid', 'give either --case REF or one or more --resource ID');
    if (format !== 'stix' && format !== 'csv')
      throw new AppError('input.invalid', '--format must be stix or csv');
    if (out === undefined) throw new AppError('input.invalid', '--out FILE is required');
    const target = resolve(ctx.io.cwd, out);
    refuseOverwrite([target], ctx.values.force === true);
    const backend = await ctx.backend();
    const { actor } = await actingRole(ctx, backend);
    const result = await backend.indicators.exportTo(
      caseRef !== undefined ? { caseRef } : { resourceIds },
      format,
      target,
      { actor, overwrite: ctx.values.force === true },
    );
    print(
      ctx,
      {
        out: target,
        format,
        resources: result.resources,
        indicators: result.indicators,
        occurrences: result.occurrences,
      },
      `${result.indicators} indicator(s) of ${result.resources} resource(s) written to ${target} (${format})`,
    );
    return EXIT.ok;
  },
};

export const INDICATOR_COMMANDS: readonly CliCommand[] = [
  reextract,
  indicatorsOfResource,
  indicatorShow,
  lexiconList,
  lexiconImport,
  exportIndicators,
];
