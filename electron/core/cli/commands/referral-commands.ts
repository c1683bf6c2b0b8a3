import type {
  Recipient,
  ReferralEvent,
  ReferralSummary,
  Notice,
  Appeal,
  ScheduledSend,
  SendOutcome,
} from '@shared/domain/referral';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import type { Backend } from '@core/backend';
import { referralsOn } from '@core/referrals/referrals-backend';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { print, str } from '../cli-helpers';
import { escapeForTerminal, jsonForTerminal } from '../terminal-text';
import { osActor } from './foundation-commands';

/** `vigil settings set|get`, `recipient …`, `referral …`, `appeal …`: what happens after the decision. */

/** Without --as the CLI acts as the data dir's owner, who administers this workstation. */
async function acting(ctx: CliContext, backend: Backend): Promise<{ actor: string; role: Role }> {
  if (ctx.as === null) return { actor: osActor(), role: 'admin' };
  const user = await backend.users.byName(ctx.as);
  if (user === null) throw new AppError('user.not-found', `--as names no user: ${ctx.as}`);
  return { actor: user.name, role: user.role };
}

function positionals(ctx: CliContext, n: number, what: string): string[] {
  if (ctx.positionals.length !== n) throw new AppError('input.invalid', `give ${what}`);
  return [...ctx.positionals];
}

const required = (ctx: CliContext, name: string): string => {
  const v = str(ctx, name);
  if (v === undefined) throw new AppError('input.invalid', `--${name} is required`);
  return v;
};

const services = async (ctx: CliContext) => {
  const backend = await ctx.backend();
  return { backend, ...referralsOn(backend, ctx.io.env) };
};

const safe = (s: string): string => escapeForTerminal(s);

const recipientLine = (r: Recipient): string =>
  `${r.id}  ${safe(r.name)}  ${r.kind}  ${r.channel}:${safe(r.address)}  ${r.language}  ${r.verified ? `verified by ${safe(r.verifiedBy ?? '-')}` : 'NOT VERIFIED'}`;

const referralLine = (r: ReferralSummary): string =>
  `${r.id}  ${r.state.padEnd(17)}  ${r.regimeId} v${r.templateVersion}  ${safe(r.recipientName)}  sent ${r.sentAt ?? '-'}  ${safe(r.url)}`;

const eventLine = (e: ReferralEvent): string =>
  `${e.at}  ${(e.fromState ?? '-').padEnd(17)} → ${e.toState.padEnd(17)}  by ${safe(e.actor)}${e.reason ? `  reason ${e.reason}` : ''}${e.deliveredRef ? `  ref ${safe(e.deliveredRef)}` : ''}${e.note ? `  "${safe(e.note)}"` : ''}`;

const noticeLine = (n: Notice): string =>
  `notice ${n.id}  ${n.kind}  ${n.sentAt}  ${n.channel}:${safe(n.address)}  pdf ${n.pdfSha256}${n.emlSha256 ? `  eml ${n.emlSha256}` : ''}${n.messageId ? `  ${safe(n.messageId)}` : ''}${n.deliveredRef ? `  ref ${safe(n.deliveredRef)}` : ''}`;

const scheduledLine = (s: ScheduledSend): string =>
  `${s.kind} scheduled for ${s.dueAt}${s.outcome === null ? ' (pending)' : `  ${s.outcome}${s.noticeId === null ? '' : ` as notice ${s.noticeId}`}`}`;

const outcomeLine = (o: SendOutcome): string =>
  o.outcome === 'sent' ? noticeLine(o.notice) : `outside the sending hours: ${scheduledLine(o.scheduled)}`;

const appealLine = (a: Appeal): string =>
  `${a.id}  ${a.state}  received ${a.receivedAt}${a.byName ? ` from ${safe(a.byName)}` : ''}${a.decision ? `  decided by ${safe(a.decision.reviewer.name)} ${a.decision.signedAt}` : ''}`;

const settingsSet: CliCommand = {
  path: ['settings', 'set'],
  usage: 'settings set KEY VALUE',
  summary: 'change a named setting (smtp.*, sending.*, recheck.*); a custody event',
  async run(ctx) {
    const [key = '', value = ''] = positionals(ctx, 2, 'KEY and VALUE');
    const { backend, keyed } = await services(ctx);
    const { actor, role } = await acting(ctx, backend);
    if (role !== 'admin')
      throw new AppError('auth.forbidden', `changing settings needs the role admin; ${actor} is ${role}`);
    const stored = await keyed.set(key, value, actor);
    print(
      ctx,
      { key, value: key === 'smtp.password' ? '(set)' : stored },
      `${key} = ${key === 'smtp.password' ? '(set)' : jsonForTerminal(stored)}`,
    );
    return EXIT.ok;
  },
};

const settingsGet: CliCommand = {
  path: ['settings', 'get'],
  usage: 'settings get KEY [--json]',
  summary: 'print a named setting (its default when never set)',
  async run(ctx) {
    const [key = ''] = positionals(ctx, 1, 'one KEY');
    const { keyed } = await services(ctx);
    const value = await keyed.get(key);
    const shown = key === 'smtp.password' ? (value === '' ? '' : '(set)') : value;
    print(ctx, { key, value: shown }, typeof shown === 'string' ? shown : jsonForTerminal(shown));
    return EXIT.ok;
  },
};

const recipientAdd: CliCommand = {
  path: ['recipient', 'add'],
  usage:
    'recipient add NAME --channel email|portal|register --address A --language en|ar|ru [--kind platform|hosting|registrar|isp|register|authority] [--verified]',
  summary: 'add a recipient of referrals to the address book (unverified ones cannot be sent to)',
  options: {
    channel: { type: 'string' },
    address: { type: 'string' },
    language: { type: 'string' },
    kind: { type: 'string' },
    verified: { type: 'boolean' },
  },
  async run(ctx) {
    const [name = ''] = positionals(ctx, 1, 'one recipient NAME');
    const { backend, referrals } = await services(ctx);
    const r = await referrals.addRecipient(
      {
        name,
        kind: str(ctx, 'kind') ?? 'platform',
        channel: required(ctx, 'channel'),
        address: required(ctx, 'address'),
        language: required(ctx, 'language'),
        verified: ctx.values['verified'] === true,
      },
      await acting(ctx, backend),
    );
    print(ctx, r, recipientLine(r));
    return EXIT.ok;
  },
};

const recipientVerify: CliCommand = {
  path: ['recipient', 'verify'],
  usage: 'recipient verify NAME',
  summary: 'record that the recipient contact was verified (who and when are kept)',
  async run(ctx) {
    const [name = ''] = positionals(ctx, 1, 'one recipient NAME');
    const { backend, referrals } = await services(ctx);
    const r = await referrals.verifyRecipient(name, await acting(ctx, backend));
    print(ctx, r, recipientLine(r));
    return EXIT.ok;
  },
};

const recipientList: CliCommand = {
  path: ['recipient', 'list'],
  usage: 'recipient list [--json]',
  summary: 'the recipients address book',
  async run(ctx) {
    const { referrals } = await services(ctx);
    const list = await referrals.listRecipients();
    print(ctx, list, list.length === 0 ? 'no recipients' : list.map(recipientLine).join('\n'));
    return EXIT.ok;
  },
};

const referralCreate: CliCommand = {
  path: ['referral', 'create'],
  usage:
    'referral create RESOURCE --recipient NAME --regime TEMPLATE [--parent REFERRAL] [--attach-bundle] [--json]',
  summary:
    'create a draft referral from the approved, signed decision; prints its id (--attach-bundle: the notice carries the court bundle ZIP)',
  options: {
    recipient: { type: 'string' },
    regime: { type: 'string' },
    parent: { type: 'string' },
    'attach-bundle': { type: 'boolean' },
  },
  async run(ctx) {
    const [resourceId = ''] = positionals(ctx, 1, 'one RESOURCE id');
    const { backend, referrals } = await services(ctx);
    const r = await referrals.create(
      resourceId,
      {
        recipient: required(ctx, 'recipient'),
        regime: required(ctx, 'regime'),
        parentId: str(ctx, 'parent') ?? null,
        attachBundle: ctx.values['attach-bundle'] === true,
      },
      await acting(ctx, backend),
    );
    print(ctx, r, r.id);
    return EXIT.ok;
  },
};

const referralSend: CliCommand = {
  path: ['referral', 'send'],
  usage: 'referral send ID [--delivered-ref REF] [--kind notice|reminder|escalation|lift] [--json]',
  summary:
    'render the notice (PDF + EML, kept and hashed) and send it by SMTP, or mark it delivered with REF; outside the sending hours it is scheduled for when they open',
  options: { 'delivered-ref': { type: 'string' }, kind: { type: 'string' } },
  async run(ctx) {
    const [id = ''] = positionals(ctx, 1, 'one referral ID');
    const kind = str(ctx, 'kind') ?? 'notice';
    if (kind !== 'notice' && kind !== 'reminder' && kind !== 'escalation' && kind !== 'lift')
      throw new AppError('input.invalid', `--kind is notice, reminder, escalation or lift; got ${kind}`);
    const { backend, referrals } = await services(ctx);
    const out = await referrals.dispatch(
      id,
      { deliveredRef: str(ctx, 'delivered-ref') ?? null, kind },
      await acting(ctx, backend),
    );
    print(ctx, out, outcomeLine(out));
    return EXIT.ok;
  },
};

const referralRemind: CliCommand = {
  path: ['referral', 'remind'],
  usage: 'referral remind ID [--json]',
  summary:
    'accept a reminder proposal: the reminder is sent like a notice (scheduled outside the sending hours)',
  async run(ctx) {
    const [id = ''] = positionals(ctx, 1, 'one referral ID');
    const { backend, referrals } = await services(ctx);
    const out = await referrals.remind(id, await acting(ctx, backend));
    print(ctx, out, outcomeLine(out));
    return EXIT.ok;
  },
};

const referralEscalate: CliCommand = {
  path: ['referral', 'escalate'],
  usage: 'referral escalate ID --recipient NAME [--regime TEMPLATE] [--json]',
  summary:
    'accept an escalation proposal: a child referral to the next recipient (linked to ID), its notice sent as an escalation; prints the new id',
  options: { recipient: { type: 'string' }, regime: { type: 'string' } },
  async run(ctx) {
    const [id = ''] = positionals(ctx, 1, 'one referral ID');
    const { backend, referrals } = await services(ctx);
    const out = await referrals.escalate(
      id,
      { recipient: required(ctx, 'recipient'), regime: str(ctx, 'regime') ?? null },
      await acting(ctx, backend),
    );
    print(ctx, out, `${out.referral.id}\n${outcomeLine(out.sent)}`);
    return EXIT.ok;
  },
};

const referralSendDue: CliCommand = {
  path: ['referral', 'send-due'],
  usage: 'referral send-due [--json]',
  summary: 'send the notices queued outside the sending hours whose time has come (also done by recheck run)',
  async run(ctx) {
    const { backend, referrals } = await services(ctx);
    const results = await referrals.sendDue(await acting(ctx, backend));
    print(
      ctx,
      results,
      results.length === 0
        ? 'no queued notice is due'
        : results
            .map(
              (q) =>
                `${q.referralId}  ${q.kind}  ${q.result}${q.noticeId === null ? '' : `  notice ${q.noticeId}`}${q.detail === null ? '' : `  (${safe(q.detail)})`}`,
            )
            .join('\n'),
    );
    return results.some((q) => q.result === 'waiting') ? EXIT.checkFailed : EXIT.ok;
  },
};

const referralRecord: CliCommand = {
  path: ['referral', 'record'],
  usage:
    'referral record ID --state acknowledged|removed|partially_removed|refused|moved|reappeared [--reason CODE] [--note T]',
  summary: "record the recipient's answer or the outcome (refused needs --reason); a custody event",
  options: { state: { type: 'string' }, reason: { type: 'string' }, note: { type: 'string' } },
  async run(ctx) {
    const [id = ''] = positionals(ctx, 1, 'one referral ID');
    const { backend, referrals } = await services(ctx);
    const e = await referrals.record(
      id,
      required(ctx, 'state'),
      { reason: str(ctx, 'reason') ?? null, note: str(ctx, 'note') ?? null },
      await acting(ctx, backend),
    );
    print(ctx, e, `${id} ${e.toState}`);
    return EXIT.ok;
  },
};

const referralList: CliCommand = {
  path: ['referral', 'list'],
  usage: 'referral list [--resource RES] [--json]',
  summary: 'referrals with their current state and when they were sent',
  options: { resource: { type: 'string' } },
  async run(ctx) {
    const { referrals } = await services(ctx);
    const resourceId = str(ctx, 'resource');
    const list = await referrals.list(resourceId === undefined ? {} : { resourceId });
    print(ctx, list, list.length === 0 ? 'no referrals' : list.map(referralLine).join('\n'));
    return EXIT.ok;
  },
};

const referralShow: CliCommand = {
  path: ['referral', 'show'],
  usage: 'referral show ID [--json]',
  summary: "a referral's history: every state change and every notice",
  async run(ctx) {
    const [id = ''] = positionals(ctx, 1, 'one referral ID');
    const { referrals } = await services(ctx);
    const h = await referrals.history(id);
    print(
      ctx,
      h,
      [
        referralLine(h.referral),
        ...h.events.map(eventLine),
        ...h.notices.map(noticeLine),
        ...h.scheduled.map(scheduledLine),
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

const appealAdd: CliCommand = {
  path: ['appeal', 'add'],
  usage: 'appeal add RESOURCE --text T [--by NAME] [--received-at ISO-TIME] [--json]',
  summary: 'record a complaint against a block or removal; prints the appeal id',
  options: { text: { type: 'string' }, by: { type: 'string' }, 'received-at': { type: 'string' } },
  async run(ctx) {
    const [resourceId = ''] = positionals(ctx, 1, 'one RESOURCE id');
    const { backend, appeals } = await services(ctx);
    const receivedAt = str(ctx, 'received-at');
    if (receivedAt !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(receivedAt))
      throw new AppError(
        'input.invalid',
        '--received-at is an ISO-8601 UTC time such as 2026-12-01T10:00:00.000Z',
      );
    const a = await appeals.add(
      resourceId,
      { text: required(ctx, 'text'), byName: str(ctx, 'by') ?? null, receivedAt: receivedAt ?? null },
      await acting(ctx, backend),
    );
    print(ctx, a, a.id);
    return EXIT.ok;
  },
};

const appealDecide: CliCommand = {
  path: ['appeal', 'decide'],
  usage:
    'appeal decide APPEAL --outcome uphold|lift --explanation T [--password-stdin] [--json]   (with --as REVIEWER)',
  summary: 'sign the decision on an appeal; lift moves the resource to lifted and sends lift notices',
  options: {
    outcome: { type: 'string' },
    explanation: { type: 'string' },
    'password-stdin': { type: 'boolean' },
  },
  async run(ctx) {
    const [id = ''] = positionals(ctx, 1, 'one APPEAL id');
    if (ctx.as === null) throw new AppError('input.invalid', 'say who signs: --as REVIEWER');
    const outcome = required(ctx, 'outcome');
    const explanation = required(ctx, 'explanation');
    const { appeals } = await services(ctx);
    const password = await ctx.password(`password of ${ctx.as}: `);
    const d = await appeals.decide(id, { outcome, explanation }, ctx.as, password);
    print(
      ctx,
      d,
      [
        appealLine(d.appeal),
        ...d.liftNotices.map(noticeLine),
        ...d.awaitingLiftDelivery.map(
          (id) =>
            `${id}  lift notice to hand over: vigil referral send ${id} --kind lift --delivered-ref REF`,
        ),
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

const appealList: CliCommand = {
  path: ['appeal', 'list'],
  usage: 'appeal list RESOURCE [--json]',
  summary: 'the appeals against a resource and their decisions',
  async run(ctx) {
    const [resourceId = ''] = positionals(ctx, 1, 'one RESOURCE id');
    const { appeals } = await services(ctx);
    const list = await appeals.list(resourceId);
    print(ctx, list, list.length === 0 ? 'no appeals' : list.map(appealLine).join('\n'));
    return EXIT.ok;
  },
};

export const REFERRAL_COMMANDS: readonly CliCommand[] = [
  settingsSet,
  settingsGet,
  recipientAdd,
  recipientVerify,
  recipientList,
  referralCreate,
  referralSend,
  referralRemind,
  referralEscalate,
  referralSendDue,
  referralRecord,
  referralList,
  referralShow,
  appealAdd,
  appealDecide,
  appealList,
];
