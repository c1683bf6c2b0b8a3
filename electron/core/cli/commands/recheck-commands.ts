import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Language } from '@shared/domain/resources';
import type { StatsReport } from '@shared/domain/stats';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import type { Backend } from '@core/backend';
import { createBrowserProvider, findBrowser } from '@core/capture/browser-provider';
import { parseAllowHost } from '@core/capture/request-policy';
import { createRecheckService } from '@core/rechecks/recheck-service';
import type { RecheckRunItem } from '@core/rechecks/recheck-service';
import { readRecheckSettings } from '@core/rechecks/recheck-settings';
import { dueProposals } from '@core/rechecks/renotice-service';
import type { DueProposal } from '@core/rechecks/renotice-service';
import { referralsOn } from '@core/referrals/referrals-backend';
import { withPacketBrowser } from '@core/review/packet-service';
import { renderPeriodReportPdf } from '@core/stats/period-report';
import { statsCsv } from '@core/stats/stats-csv';
import { dsaReport, lumenRecords, unitStats } from '@core/stats/stats-service';
import { print, str } from '../cli-helpers';
import { refuseOverwrite } from '../out-files';
import { EXIT, type CliCommand, type CliContext, type RemoteCliContext } from '../cli-types';
import { escapeForTerminal } from '../terminal-text';
import { osActor } from './foundation-commands';

/** `vigil recheck run`, `referral due`, `stats`: checking that it is gone, re-notices, the unit's figures. */

async function acting(ctx: CliContext, backend: Backend): Promise<{ actor: string; role: Role }> {
  if (ctx.as === null) return { actor: osActor(), role: 'admin' };
  const user = await backend.users.byName(ctx.as);
  if (user === null) throw new AppError('user.not-found', `--as names no user: ${ctx.as}`);
  return { actor: user.name, role: user.role };
}

function allowHostsOf(ctx: CliContext): string[] {
  const raw = ctx.values['allow-host'];
  const list = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : [];
  for (const entry of list)
    if (parseAllowHost(entry) === null)
      throw new AppError(
        'input.invalid',
        `--allow-host takes HOST or HOST:PORT (IPv6 in brackets), not ${entry}`,
      );
  return list;
}

const safe = (s: string): string => escapeForTerminal(s);

const recheckLine = (i: RecheckRunItem): string =>
  `${i.referralId}  ${i.recheck.classification.padEnd(11)}  ${i.recheck.status ?? '---'}  ${safe(i.url)}  (${safe(i.recheck.reason)})` +
  (i.outcome === 'none'
    ? ''
    : `\n    → ${i.outcome}${i.recheck.captureId ? `, capture ${i.recheck.captureId}` : ''}; referral ${i.state}`) +
  (i.warning ? `\n    warning: ${safe(i.warning)}` : '');

const proposalLine = (p: DueProposal): string => {
  const what =
    p.proposal.kind === 'reminder'
      ? `send reminder ${p.proposal.number} (referral remind ${p.referralId})`
      : p.proposal.kind === 'escalate'
        ? `escalate to the ${p.proposal.to} (referral escalate ${p.referralId} --recipient NAME)`
        : 'no recipient left to escalate to: decide';
  return `${p.referralId}  ${p.state.padEnd(12)}  ${what}  (due since ${new Date(p.proposal.dueSinceMs).toISOString()})  ${safe(p.recipientName)}  ${p.regimeId}  ${safe(p.url)}`;
};

const recheckRun: CliCommand = {
  path: ['recheck', 'run'],
  usage: 'recheck run [--profile NAME] [--allow-host HOST[:PORT]]... [--json]',
  summary:
    'check every sent referral whose re-check is due now (still there, changed, removed, geo-blocked, unreachable); records removals and re-appearances with a proof capture, and lists due reminders',
  options: { profile: { type: 'string' }, 'allow-host': { type: 'string', multiple: true } },
  async run(ctx) {
    const backend = await ctx.backend();
    const who = await acting(ctx, backend);
    if (who.role !== 'investigator' && who.role !== 'admin')
      throw new AppError(
        'auth.forbidden',
        `re-checks need the role investigator or admin; ${who.actor} is ${who.role}`,
      );
    const { referrals, keyed } = referralsOn(backend, ctx.io.env);
    const allowHosts = allowHostsOf(ctx);
    const provider = createBrowserProvider({
      executablePath: findBrowser({
        env: ctx.io.env,
        configured: (await backend.settings.get()).browserPath,
        platform: process.platform,
      }),
      tmpRoot: backend.workspace.paths.tmp,
    });
    try {
      const settings = () => readRecheckSettings(keyed);
      const service = createRecheckService({
        ws: backend.workspace,
        referrals,
        captures: backend.captures,
        browser: () => provider.browser(),
        profile: backend.captures.profile(
          str(ctx, 'profile') ?? (await backend.settings.get()).defaultProfile,
        ),
        settings,
        clock: backend.workspace.clock,
        ...(allowHosts.length > 0 ? { allowHosts } : {}),
      });
      const run = await service.runDue(who);
      // Notices queued outside the sending hours go out with the re-checks once the window is open.
      const queued = await referrals.sendDue(who);
      const due = await dueProposals({
        ws: backend.workspace,
        referrals,
        clock: backend.workspace.clock,
        maxReminders: (await settings()).maxReminders,
      });
      const text = [
        run.checked.length === 0 ? 'no re-check is due' : run.checked.map(recheckLine).join('\n'),
        ...run.errors.map((e) => `error: ${safe(e)}`),
        ...queued.map(
          (q) =>
            `queued ${q.kind} for ${q.referralId}: ${q.result}${q.detail === null ? '' : ` (${safe(q.detail)})`}`,
        ),
        ...(due.length > 0 ? ['due re-notices:', ...due.map(proposalLine)] : []),
      ].join('\n');
      print(ctx, { checked: run.checked, errors: run.errors, queued, due }, text);
      return run.errors.length > 0 ? EXIT.checkFailed : EXIT.ok;
    } finally {
      await provider.close();
    }
  },
};

const referralDue: CliCommand = {
  path: ['referral', 'due'],
  usage: 'referral due [--json]',
  summary: 'list the reminders and escalations due now (past the regime deadline without an answer)',
  async run(ctx) {
    const backend = await ctx.backend();
    const { referrals, keyed } = referralsOn(backend, ctx.io.env);
    const due = await dueProposals({
      ws: backend.workspace,
      referrals,
      clock: backend.workspace.clock,
      maxReminders: (await readRecheckSettings(keyed)).maxReminders,
    });
    print(ctx, due, due.length === 0 ? 'no reminder or escalation is due' : due.map(proposalLine).join('\n'));
    return EXIT.ok;
  },
};

const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)} %`);
const dur = (s: number | null): string =>
  s === null
    ? '-'
    : s < 3600
      ? `${Math.round(s / 60)} min`
      : s < 172_800
        ? `${(s / 3600).toFixed(1)} h`
        : `${(s / 86_400).toFixed(1)} d`;

function statsText(s: StatsReport): string {
  const c = s.counts;
  const d = s.durations;
  const row = (name: string, x: StatsReport['durations']['reportToCapture']) =>
    `  ${name.padEnd(20)} median ${dur(x.medianSeconds).padStart(8)}   p90 ${dur(x.p90Seconds).padStart(8)}   (${x.count})`;
  return [
    `statistics ${s.from} .. ${s.to}`,
    `  reported ${c.reported}  captured ${c.captured}  reviewed ${c.reviewed}  approved ${c.approved}  referred ${c.referred}  removed ${c.removed}`,
    `  removal rate ${pct(s.removalRate)}   re-appearance rate ${pct(s.reappearanceRate)}`,
    row('report → capture', d.reportToCapture),
    row('capture → decision', d.captureToDecision),
    row('decision → notice', d.decisionToNotice),
    row('notice → removal', d.noticeToRemoval),
    ...(s.byRegime.length > 0
      ? [
          '  by regime:',
          ...s.byRegime.map(
            (r) => `    ${safe(r.key)}: referred ${r.referred}, removed ${r.removed}, refused ${r.refused}`,
          ),
        ]
      : []),
    ...(s.byRecipient.length > 0
      ? [
          '  by recipient:',
          ...s.byRecipient
            .slice(0, 20)
            .map(
              (r) => `    ${safe(r.key)}: referred ${r.referred}, removed ${r.removed}, refused ${r.refused}`,
            ),
        ]
      : []),
    ...(s.refusalReasons.length > 0
      ? ['  refusals:', ...s.refusalReasons.map((r) => `    ${r.key}: ${r.count}`)]
      : []),
  ].join('\n');
}

/**
 * `stats` on a team server: the unit's report from `stats.report`, printed or written as CSV here.
 * The DSA, Lumen and PDF forms are made from the database itself: on the server's data dir only.
 */
async function statsRemote(ctx: RemoteCliContext): Promise<number> {
  const from = str(ctx, 'from');
  const to = str(ctx, 'to');
  if (from === undefined || to === undefined)
    throw new AppError('input.invalid', '--from and --to are required');
  const serverOnly = (['dsa', 'lumen', 'pdf', 'language'] as const).find((k) => str(ctx, k) !== undefined);
  if (serverOnly !== undefined)
    throw new AppError(
      'env.data-dir',
      `\`stats --${serverOnly}\` works on a local data dir only (not with --server)`,
    );
  const report = await ctx.server.call('stats.report', { from, to });
  const csv = str(ctx, 'csv');
  if (csv === undefined) {
    print(ctx, report, statsText(report));
    return EXIT.ok;
  }
  const file = resolve(ctx.io.cwd, csv);
  await writeFile(file, statsCsv(report), 'utf8');
  print(ctx, { file }, `wrote ${file}`);
  return EXIT.ok;
}

const stats: CliCommand = {
  path: ['stats'],
  usage:
    'stats --from YYYY-MM-DD --to YYYY-MM-DD [--json | --csv FILE | --dsa FILE | --lumen FILE | --pdf FILE [--language en|ar|ru]]',
  summary:
    "the unit's statistics for resources reported in the period (counts per stage, removal rate, median and p90 times, breakdowns, per-week counts); --dsa writes the DSA trusted-flagger report (counts only), --lumen the Lumen-style records of the notices sent, --pdf the period report to send up (en, ar or ru; an existing file is refused)",
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    csv: { type: 'string' },
    dsa: { type: 'string' },
    lumen: { type: 'string' },
    pdf: { type: 'string' },
    language: { type: 'string' },
  },
  async run(ctx) {
    const from = str(ctx, 'from');
    const to = str(ctx, 'to');
    if (from === undefined || to === undefined)
      throw new AppError('input.invalid', '--from and --to are required');
    const outputs = (['csv', 'dsa', 'lumen', 'pdf'] as const).filter((k) => str(ctx, k) !== undefined);
    if (outputs.length > 1)
      throw new AppError('input.invalid', 'give one of --csv, --dsa, --lumen and --pdf');
    const languageText = str(ctx, 'language');
    if (languageText !== undefined && outputs[0] !== 'pdf')
      throw new AppError('input.invalid', '--language is for --pdf only');
    const backend = await ctx.backend();
    const db = backend.workspace.db;
    const target = outputs[0];
    if (target === 'pdf') {
      const language = Language.safeParse(languageText ?? 'en');
      if (!language.success)
        throw new AppError('input.invalid', `--language must be one of ${Language.options.join(', ')}`);
      const file = resolve(ctx.io.cwd, str(ctx, 'pdf') ?? '');
      refuseOverwrite([file], false);
      const report = await unitStats(db, from, to);
      const pdf = await withPacketBrowser(backend.workspace, backend.settings, ctx.io.env, (browser) =>
        renderPeriodReportPdf(browser, report, language.data),
      );
      await writeFile(file, pdf, { flag: 'wx' });
      print(ctx, { file, bytes: pdf.length }, `wrote ${file}`);
      return EXIT.ok;
    }
    if (target !== undefined) {
      const file = resolve(ctx.io.cwd, str(ctx, target) ?? '');
      const body =
        target === 'csv'
          ? statsCsv(await unitStats(db, from, to))
          : `${JSON.stringify(target === 'dsa' ? await dsaReport(db, from, to) : await lumenRecords(db, from, to), null, 2)}\n`;
      await writeFile(file, body, 'utf8');
      print(ctx, { file }, `wrote ${file}`);
      return EXIT.ok;
    }
    const report = await unitStats(db, from, to);
    print(ctx, report, statsText(report));
    return EXIT.ok;
  },
  remote: statsRemote,
};

export const RECHECK_COMMANDS: readonly CliCommand[] = [recheckRun, referralDue, stats];
