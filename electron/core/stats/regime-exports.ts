import type { SentNotice, SentReferral } from '../db/repositories/stats-repo';

/**
 * The exports regimes ask for, pure, from the repository's rows.
 *
 * The DSA trusted-flagger report (Art. 22(3)): counts of notices by provider, by type of content and
 * by the action taken, and nothing else — no URL, no reporter, no person: a count is all it holds.
 * Lumen-style notice records: one per notice sent (the notice, the reminders, the escalations), with
 * the recipient, the regime, the URL it concerned, the type of content and what became of it.
 */

/** What the provider did, as the report names it, from the referral's current state. */
export type ActionTaken =
  'removed' | 'partially_removed' | 'refused' | 'moved' | 'reappeared' | 'lifted' | 'pending';

export function actionTaken(state: string): ActionTaken {
  switch (state) {
    case 'removed':
    case 'partially_removed':
    case 'refused':
    case 'moved':
    case 'reappeared':
    case 'lifted':
      return state;
    default:
      return 'pending';
  }
}

const categoriesOf = (json: string): string[] => {
  try {
    const v: unknown = JSON.parse(json);
    const list = Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : [];
    return list.length > 0 ? list : ['uncategorised'];
  } catch {
    return ['uncategorised'];
  }
};

type Count = Readonly<{ key: string; count: number }>;

export type DsaTrustedFlaggerReport = Readonly<{
  format: 'vigil-dsa-trusted-flagger-report/1';
  period: Readonly<{ from: string; to: string }>;
  notices: number;
  byProvider: readonly Count[];
  byTypeOfContent: readonly Count[];
  byActionTaken: readonly Count[];
  byProviderAndAction: readonly Readonly<{ provider: string; action: ActionTaken; count: number }>[];
}>;

const counted = (m: Map<string, number>): Count[] =>
  [...m]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

export function dsaTrustedFlaggerReport(
  period: Readonly<{ from: string; to: string }>,
  referrals: readonly SentReferral[],
): DsaTrustedFlaggerReport {
  const provider = new Map<string, number>();
  const type = new Map<string, number>();
  const action = new Map<string, number>();
  const pair = new Map<string, { provider: string; action: ActionTaken; count: number }>();
  for (const r of referrals) {
    const a = actionTaken(r.state);
    provider.set(r.recipientName, (provider.get(r.recipientName) ?? 0) + 1);
    for (const c of categoriesOf(r.categories)) type.set(c, (type.get(c) ?? 0) + 1);
    action.set(a, (action.get(a) ?? 0) + 1);
    const k = `${r.recipientName}\u0000${a}`;
    const p = pair.get(k) ?? { provider: r.recipientName, action: a, count: 0 };
    p.count += 1;
    pair.set(k, p);
  }
  return {
    format: 'vigil-dsa-trusted-flagger-report/1',
    period,
    notices: referrals.length,
    byProvider: counted(provider),
    byTypeOfContent: counted(type),
    byActionTaken: counted(action),
    byProviderAndAction: [...pair.values()].sort(
      (a, b) => a.provider.localeCompare(b.provider) || a.action.localeCompare(b.action),
    ),
  };
}

export type LumenNoticeRecord = Readonly<{
  id: string;
  type: string;
  title: string;
  date_sent: string;
  recipient_name: string;
  language: string;
  channel: string;
  regime: string;
  works: readonly Readonly<{ description: string; infringing_urls: readonly Readonly<{ url: string }>[] }>[];
  action_taken: ActionTaken;
}>;

export function lumenNoticeRecords(notices: readonly SentNotice[]): LumenNoticeRecord[] {
  return notices.map((n) => ({
    id: `${n.referralId}-${n.noticeId}`,
    type:
      n.kind === 'notice'
        ? 'Notice'
        : n.kind === 'lift'
          ? 'Lift'
          : n.kind === 'reminder'
            ? 'Reminder'
            : 'Escalation',
    title: `${n.regimeId} ${n.kind}`,
    date_sent: n.sentAt,
    recipient_name: n.recipientName,
    language: n.language,
    channel: n.channel,
    regime: n.regimeId,
    works: [{ description: categoriesOf(n.categories).join(', '), infringing_urls: [{ url: n.url }] }],
    action_taken: actionTaken(n.state),
  }));
}
