import { copyFile, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DecisionInput, type DecisionRecord, type LegalBasis } from '@shared/domain/decision';
import type { ResourceSummary } from '@shared/domain/resources';
import { Language } from '@shared/domain/resources';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import type { Backend } from '@core/backend';
import { dsaStatementFor } from '@core/review/dsa-export';
import { renderResourcePacket, withPacketBrowser } from '@core/review/packet-service';
import { timestampResourcePacket } from '@core/review/packet-timestamp';
import { createReview } from '@core/review/review-service';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { print, str } from '../cli-helpers';
import { osActor } from './foundation-commands';
import { refuseOverwrite } from '../out-files';
import { jsonForTerminal } from '../terminal-text';

const reviewOf = (backend: Backend) =>
  createReview({
    ws: backend.workspace,
    users: backend.users,
    settings: backend.settings,
    env: process.env,
  });

/** Without --as the CLI acts as the data dir's owner, who administers this workstation. */
export async function actingRole(ctx: CliContext, backend: Backend): Promise<{ actor: string; role: Role }> {
  if (ctx.as === null) return { actor: osActor(), role: 'admin' };
  const user = await backend.users.byName(ctx.as);
  if (user === null) throw new AppError('user.not-found', `--as names no user: ${ctx.as}`);
  return { actor: user.name, role: user.role };
}

function one(ctx: Pick<CliContext, 'positionals'>, what: string): string {
  const [value, extra] = ctx.positionals;
  if (value === undefined || extra !== undefined)
    throw new AppError('input.invalid', `give exactly one ${what}`);
  return value;
}

const decisionText = (r: DecisionRecord): string =>
  [
    `decision ${r.id}  ${r.fields.decision.toUpperCase()}  signed ${r.signedAt} by ${r.reviewer.name} (${r.reviewer.displayName})`,
    `resource ${r.resourceId}  ${r.url}`,
    ...r.captures.map((c) => `capture  ${c.id}  manifest ${c.manifestSha256}`),
    ...(r.fields.measure ? [`measure  ${r.fields.measure}  ${r.fields.targets.join(' ')}`] : []),
    ...(r.fields.territorialScope.length ? [`scope    ${r.fields.territorialScope.join(', ')}`] : []),
    ...(r.fields.startDate ? [`dates    ${r.fields.startDate} – ${r.fields.endDate ?? 'open'}`] : []),
    ...r.legalBases.map(
      (b) =>
        `basis    ${b.id} v${b.version}  ${b.jurisdiction} ${b.instrument} ${b.article} — ${b.title}${b.example ? '  [EXAMPLE, not law]' : ''}`,
    ),
    ...(r.fields.category ? [`category ${r.fields.category} ${r.fields.keywords.join(' ')}`] : []),
    ...(r.supersedes ? [`supersedes ${r.supersedes}`] : []),
    `signature ${r.signature.alg} key ${r.signature.keyId}`,
  ].join('\n');

const basisText = (b: LegalBasis): string =>
  `${b.id} v${b.version}  ${b.jurisdiction}  ${b.instrument} ${b.article} — ${b.title}${b.example ? '  [EXAMPLE, not law]' : ''}`;

const reviewListText = (list: readonly ResourceSummary[]): string =>
  list.length === 0
    ? 'nothing waits for review'
    : list
        .map((r) => `${r.id}  ${r.state.padEnd(9)}  ${r.lastCapturedAt ?? '-'}  ${r.displayUrl}`)
        .join('\n');

/** The decision file of `review decide` (DESIGN §6), read where the command runs. */
async function readDecisionFile(io: CliContext['io'], file: string | undefined): Promise<unknown> {
  if (file === undefined) throw new AppError('input.invalid', '--input DECISION.json is required');
  try {
    return JSON.parse(await readFile(resolve(io.cwd, file), 'utf8'));
  } catch (error) {
    throw new AppError('input.invalid', `cannot read ${file}: ${(error as Error).message}`);
  }
}

const reviewList: CliCommand = {
  path: ['review', 'list'],
  usage: 'review list [--json]',
  summary: 'resources waiting for a decision (in review first, then captured)',
  async run(ctx) {
    const list = await reviewOf(await ctx.backend()).decisions.awaitingReview();
    print(ctx, list, reviewListText(list));
    return EXIT.ok;
  },
  async remote(ctx) {
    const list = await ctx.server.call('review.list', {});
    print(ctx, list, reviewListText(list));
    return EXIT.ok;
  },
};

const reviewRequest: CliCommand = {
  path: ['review', 'request'],
  usage: 'review request RESOURCE',
  summary: 'send a captured resource to review (captured → in_review)',
  async run(ctx) {
    const id = one(ctx, 'RESOURCE id');
    const backend = await ctx.backend();
    const { actor, role } = await actingRole(ctx, backend);
    await reviewOf(backend).decisions.requestReview(id, actor, role);
    print(ctx, { resourceId: id, state: 'in_review' }, `${id} in_review`);
    return EXIT.ok;
  },
  async remote(ctx) {
    const id = one(ctx, 'RESOURCE id');
    await ctx.server.call('review.request', { resourceId: id });
    print(ctx, { resourceId: id, state: 'in_review' }, `${id} in_review`);
    return EXIT.ok;
  },
};

const reviewDecide: CliCommand = {
  path: ['review', 'decide'],
  usage: 'review decide RESOURCE --input DECISION.json [--password-stdin] [--json]   (with --as REVIEWER)',
  summary: 'sign a decision as the --as reviewer (DESIGN §6 input file); prints the signed record',
  options: { input: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
  async run(ctx) {
    const id = one(ctx, 'RESOURCE id');
    const file = str(ctx, 'input');
    if (file === undefined) throw new AppError('input.invalid', '--input DECISION.json is required');
    if (ctx.as === null) throw new AppError('input.invalid', 'say who signs: --as REVIEWER');
    const input = await readDecisionFile(ctx.io, file);
    const backend = await ctx.backend();
    const review = reviewOf(backend);
    const password = await ctx.password(`password of ${ctx.as}: `);
    const record = await review.decisions.decide(id, input, ctx.as, password);
    print(ctx, record, decisionText(record));
    return EXIT.ok;
  },
  /**
   * On a team server the reviewer's key is the server's, unlocked by the same password that
   * opened the session: the signed-in user signs, no --as.
   */
  async remote(ctx) {
    const id = one(ctx, 'RESOURCE id');
    const decision = DecisionInput.safeParse(await readDecisionFile(ctx.io, str(ctx, 'input')));
    if (!decision.success) {
      const issue = decision.error.issues[0];
      throw new AppError(
        'input.invalid',
        `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid decision'}`,
      );
    }
    const record = await ctx.server.call('review.decide', {
      resourceId: id,
      decision: decision.data,
      password: await ctx.password(),
    });
    print(ctx, record, decisionText(record));
    return EXIT.ok;
  },
};

const showDecision: CliCommand = {
  path: ['show', 'decision'],
  usage: 'show decision ID [--json]',
  summary: 'print a signed decision record (DESIGN §6)',
  async run(ctx) {
    const id = one(ctx, 'decision id');
    const record = await reviewOf(await ctx.backend()).decisions.get(id);
    print(ctx, record, decisionText(record));
    return EXIT.ok;
  },
};

const decisionExport: CliCommand = {
  path: ['decision', 'export'],
  usage: 'decision export ID --dsa',
  summary: 'print an approval as a DSA Transparency Database statement of reasons (JSON)',
  options: { dsa: { type: 'boolean' } },
  async run(ctx) {
    const id = one(ctx, 'decision id');
    if (ctx.values.dsa !== true) throw new AppError('input.invalid', 'name the format: --dsa');
    const statement = await dsaStatementFor((await ctx.backend()).workspace, id);
    ctx.io.stdout(`${jsonForTerminal(statement, 2)}\n`);
    return EXIT.ok;
  },
};

const basisList: CliCommand = {
  path: ['basis', 'list'],
  usage: 'basis list [--json]',
  summary: 'the legal-basis catalogue (newest version of each entry)',
  async run(ctx) {
    const list = await reviewOf(await ctx.backend()).catalogue.list();
    print(ctx, list, list.length === 0 ? 'the catalogue is empty' : list.map(basisText).join('\n'));
    return EXIT.ok;
  },
};

const basisImport: CliCommand = {
  path: ['basis', 'import'],
  usage: 'basis import FILE.json [--json]',
  summary: 'import a catalogue file (resources/legal-bases/schema.json); changed entries become new versions',
  async run(ctx) {
    const file = resolve(ctx.io.cwd, one(ctx, 'FILE.json'));
    const backend = await ctx.backend();
    const { actor, role } = await actingRole(ctx, backend);
    if (role !== 'admin') throw new AppError('auth.forbidden', 'only an administrator edits the catalogue');
    const catalogue = reviewOf(backend).catalogue;
    await catalogue.ensureLoaded();
    const out = await catalogue.importFile(file, actor);
    print(
      ctx,
      out,
      `${out.source}: ${out.added.length} added, ${out.revised.length} new versions, ${out.unchanged.length} unchanged`,
    );
    return EXIT.ok;
  },
};

const packet: CliCommand = {
  path: ['packet'],
  usage:
    'packet RESOURCE --out FILE.pdf [--force] [--language en|ar|ru] [--as REVIEWER --password-stdin | --sign] [--json]',
  summary:
    'the review packet of the latest decision (or a DRAFT before one); signed by its reviewer when asked',
  options: {
    out: { type: 'string' },
    force: { type: 'boolean' },
    language: { type: 'string' },
    sign: { type: 'boolean' },
    'password-stdin': { type: 'boolean' },
  },
  async run(ctx) {
    const id = one(ctx, 'RESOURCE id');
    const out = str(ctx, 'out');
    if (out === undefined) throw new AppError('input.invalid', '--out FILE.pdf is required');
    refuseOverwrite([resolve(ctx.io.cwd, out)], ctx.values.force === true);
    const lang = str(ctx, 'language');
    const language = lang === undefined ? undefined : Language.safeParse(lang).data;
    if (lang !== undefined && language === undefined)
      throw new AppError('input.invalid', '--language must be en, ar or ru');
    const sign = ctx.values.sign === true || ctx.values['password-stdin'] === true;
    if (sign && ctx.as === null) throw new AppError('input.invalid', 'say who signs: --as REVIEWER');
    const backend = await ctx.backend();
    const { actor } = await actingRole(ctx, backend);
    const signer =
      sign && ctx.as !== null
        ? await backend.users.unlockSigningKey(ctx.as, await ctx.password(`password of ${ctx.as}: `))
        : undefined;
    const ws = backend.workspace;
    const result = await withPacketBrowser(ws, backend.settings, process.env, (browser) =>
      renderResourcePacket({ ws, settings: backend.settings, browser }, id, {
        actor,
        outFile: resolve(ctx.io.cwd, out),
        ...(language ? { language } : {}),
        ...(signer ? { signer } : {}),
      }),
    );
    print(
      ctx,
      { ...result, out: resolve(ctx.io.cwd, out) },
      `${resolve(ctx.io.cwd, out)}  ${result.pages} pages  ${result.bytes} bytes  sha256 ${result.sha256}  ${
        result.decisionId === null ? 'DRAFT' : `decision ${result.decisionId}`
      }${result.signedBy ? `  signed by ${result.signedBy}` : result.copy ? '  COPY — NOT SIGNED' : '  unsigned'}${
        result.warnings.includes('packet.not-timestamped')
          ? '\nwarning packet.not-timestamped: PAdES B-B only (no time-stamp); add one later with `vigil packet timestamp RES`'
          : ''
      }`,
    );
    return EXIT.ok;
  },
};

const packetTimestamp: CliCommand = {
  path: ['packet', 'timestamp'],
  usage: 'packet timestamp RESOURCE [--tsa URL] [--out FILE.pdf [--force]] [--json]',
  summary: 'adds a PAdES document time-stamp to the signed packet of the latest decision (for a B-B packet)',
  options: { tsa: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
  async run(ctx) {
    const id = one(ctx, 'RESOURCE id');
    const backend = await ctx.backend();
    const { actor } = await actingRole(ctx, backend);
    const tsa = str(ctx, 'tsa');
    const result = await timestampResourcePacket({ ws: backend.workspace, settings: backend.settings }, id, {
      actor,
      ...(tsa === undefined ? {} : { tsaUrl: tsa }),
    });
    const out = str(ctx, 'out');
    if (out !== undefined) {
      refuseOverwrite([resolve(ctx.io.cwd, out)], ctx.values.force === true);
      await copyFile(result.file, resolve(ctx.io.cwd, out));
    }
    print(
      ctx,
      { ...result, ...(out === undefined ? {} : { out: resolve(ctx.io.cwd, out) }) },
      `sha256 ${result.sha256}  ${result.bytes} bytes  decision ${result.decisionId}  time-stamped by ${result.tsa} at ${result.genTime} (serial ${result.serialHex})`,
    );
    return EXIT.ok;
  },
};

export const REVIEW_COMMANDS: readonly CliCommand[] = [
  reviewList,
  reviewRequest,
  reviewDecide,
  showDecision,
  decisionExport,
  basisList,
  basisImport,
  packet,
  packetTimestamp,
];
