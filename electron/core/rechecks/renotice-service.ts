import { deadlineSeconds } from '@shared/domain/notice-template';
import type { RecipientKind, ReferralSummary } from '@shared/domain/referral';
import { assertNever } from '@shared/errors/app-error';
import type { Clock } from '../clock';
import { listNotices } from '../db/repositories/referrals-repo';
import type { ReferralService } from '../referrals/referral-service';
import type { Workspace } from '../workspace';
import { proposeRenotice } from './renotice';
import type { EscalationLevel, RenoticeProposal } from './renotice';

/**
 * `vigil referral due`: the reminders and escalations the referrals awaiting an answer call for now,
 * from each regime's deadline (its notice template) and the reminders already sent. It proposes
 * only; a person accepts: `referral remind ID` sends the reminder like the notice, `referral
 * escalate ID --recipient NAME` a new (child) referral to the next recipient.
 */

export type DueProposal = Readonly<{
  referralId: string;
  url: string;
  recipientName: string;
  regimeId: string;
  state: string;
  proposal: RenoticeProposal;
}>;

/** Where a recipient stands in the chain host → registrar → authority. */
export function escalationLevelOf(kind: RecipientKind): EscalationLevel {
  switch (kind) {
    case 'platform':
    case 'hosting':
    case 'isp':
      return 'host';
    case 'registrar':
      return 'registrar';
    case 'register':
    case 'authority':
      return 'authority';
    default:
      return assertNever(kind, 'recipient kind');
  }
}

const AWAITING: readonly string[] = ['sent', 'acknowledged'];

export async function dueProposals(
  deps: Readonly<{ ws: Workspace; referrals: ReferralService; clock: Clock; maxReminders: number }>,
): Promise<DueProposal[]> {
  const [referrals, recipients, templates] = await Promise.all([
    deps.referrals.list({ sentOnly: true }),
    deps.referrals.listRecipients(),
    deps.referrals.templates(),
  ]);
  const kindOf = new Map(recipients.map((r) => [r.id, r.kind]));
  const nowMs = deps.clock().getTime();
  const out: DueProposal[] = [];
  for (const r of referrals as readonly ReferralSummary[]) {
    const template = templates.get(r.regimeId);
    const kind = kindOf.get(r.recipientId);
    if (template === undefined || kind === undefined || !AWAITING.includes(r.state)) continue;
    const notices = await deps.ws.db.read((c) => listNotices(c, r.id));
    const reminders = notices.filter((n) => n.kind === 'reminder');
    const lastActivityMs = Math.max(Date.parse(r.lastEventAt), ...notices.map((n) => Date.parse(n.sentAt)));
    const proposal = proposeRenotice(nowMs, {
      lastActivityMs,
      deadlineSeconds: deadlineSeconds(template.deadline),
      remindersSent: reminders.length,
      maxReminders: deps.maxReminders,
      level: escalationLevelOf(kind),
      awaitingAnswer: true,
    });
    if (proposal !== null)
      out.push({
        referralId: r.id,
        url: r.url,
        recipientName: r.recipientName,
        regimeId: r.regimeId,
        state: r.state,
        proposal,
      });
  }
  return out;
}
