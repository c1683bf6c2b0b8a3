/**
 * Re-notice proposals, pure: a referral on which nothing happened by its regime's deadline gets a
 * reminder proposed; once `maxReminders` reminders have gone unanswered, escalation to the next
 * recipient kind in the chain (host → registrar → authority). Vigil only proposes: a person sends.
 */
export const ESCALATION_CHAIN = ['host', 'registrar', 'authority'] as const;
export type EscalationLevel = (typeof ESCALATION_CHAIN)[number];

export type RenoticeInput = Readonly<{
  /** When the referral last changed state or was last reminded (the notice's send time at first). */
  lastActivityMs: number;
  deadlineSeconds: number;
  remindersSent: number;
  maxReminders: number;
  level: EscalationLevel;
  /** A referral in a final state (removed, refused, …) needs no reminder. */
  awaitingAnswer: boolean;
}>;

export type RenoticeProposal =
  | Readonly<{ kind: 'reminder'; number: number; dueSinceMs: number }>
  | Readonly<{ kind: 'escalate'; to: EscalationLevel; dueSinceMs: number }>
  | Readonly<{ kind: 'exhausted'; dueSinceMs: number }>;

export function proposeRenotice(nowMs: number, r: RenoticeInput): RenoticeProposal | null {
  if (!r.awaitingAnswer) return null;
  const dueSinceMs = r.lastActivityMs + r.deadlineSeconds * 1000;
  if (nowMs < dueSinceMs) return null;
  if (r.remindersSent < r.maxReminders) return { kind: 'reminder', number: r.remindersSent + 1, dueSinceMs };
  const next = ESCALATION_CHAIN[ESCALATION_CHAIN.indexOf(r.level) + 1];
  // Past the authority there is nobody further to escalate to: a person has to decide.
  return next === undefined ? { kind: 'exhausted', dueSinceMs } : { kind: 'escalate', to: next, dueSinceMs };
}
