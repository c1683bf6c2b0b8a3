import type { RecheckClassification, RecheckSettings } from '@shared/domain/recheck';

/**
 * When a referred URL is checked next and when its checks add up to a removal, pure. The regime:
 * first check `firstAfterSeconds` after the notice was sent, then every `intenseEverySeconds`
 * until `intenseForSeconds` after that first one, then every `thenEverySeconds`. While a run of
 * "removed" results is still short of `consecutiveRemoved`, the next check comes as soon as the
 * spacing allows, so that a removal is confirmed in minutes rather than in days.
 */

export type PastCheck = Readonly<{ atMs: number; classification: RecheckClassification }>;

/** How many of the newest checks count towards a removal: "removed" in a row, each ≥ spacing after the one before. */
export function removedRun(history: readonly PastCheck[], s: RecheckSettings): number {
  const spacingMs = s.minSpacingSeconds * 1000;
  let count = 0;
  let lastCountedAt = Number.POSITIVE_INFINITY;
  for (let i = history.length - 1; i >= 0; i--) {
    const check = history[i];
    if (check === undefined || check.classification !== 'removed') break;
    // A check closer than the spacing to the one counted after it neither counts nor breaks the run.
    if (lastCountedAt - check.atMs >= spacingMs) {
      count += 1;
      lastCountedAt = check.atMs;
    }
  }
  return count;
}

export const removalConfirmed = (history: readonly PastCheck[], s: RecheckSettings): boolean =>
  removedRun(history, s) >= s.consecutiveRemoved;

/** The time (ms) the next check is due; `history` oldest first. */
export function nextCheckDueMs(sentAtMs: number, history: readonly PastCheck[], s: RecheckSettings): number {
  const last = history[history.length - 1];
  const firstDue = sentAtMs + s.firstAfterSeconds * 1000;
  if (last === undefined) return firstDue;
  const run = removedRun(history, s);
  if (run > 0 && run < s.consecutiveRemoved) return last.atMs + s.minSpacingSeconds * 1000;
  const intense = last.atMs < firstDue + s.intenseForSeconds * 1000;
  return last.atMs + (intense ? s.intenseEverySeconds : s.thenEverySeconds) * 1000;
}

export const isCheckDue = (
  nowMs: number,
  sentAtMs: number,
  history: readonly PastCheck[],
  s: RecheckSettings,
): boolean => nowMs >= nextCheckDueMs(sentAtMs, history, s);

/**
 * What one new check means for the referral: a confirmed removal, a page that is back after it
 * was removed, a change to keep as evidence, or nothing to do. `wasRemoved`: the referral is
 * already in the removed state.
 */
export type CheckOutcome = 'confirm_removed' | 'reappeared' | 'changed' | 'none';

export function outcomeOfCheck(
  history: readonly PastCheck[],
  s: RecheckSettings,
  wasRemoved: boolean,
): CheckOutcome {
  const last = history[history.length - 1];
  if (last === undefined) return 'none';
  if (wasRemoved) {
    // Something is served at a removed URL again: the reviewed content, or other content to keep.
    if (last.classification === 'still_there') return 'reappeared';
    return last.classification === 'changed' ? 'changed' : 'none';
  }
  if (last.classification === 'removed') {
    // Confirmed exactly once: by the check that completes the run, not by every one after it.
    return removedRun(history, s) === s.consecutiveRemoved ? 'confirm_removed' : 'none';
  }
  return last.classification === 'changed' ? 'changed' : 'none';
}
