import { insideSendingWindow, type SendingWindow } from './setting-keys';

/**
 * When the sending window next opens: `at` itself when it is inside, otherwise the start of the
 * sending hours on the next day (today included) that is not blocked, or null when every weekday is
 * blocked (then nothing can ever be scheduled, and the caller says so). Pure; the clock is the caller's.
 */

const DAY_MS = 86_400_000;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function nextSendingWindowOpening(at: Date, w: SendingWindow): Date | null {
  if (insideSendingWindow(at, w)) return at;
  const offsetMs = w.utcOffsetMinutes * 60_000;
  const localNow = at.getTime() + offsetMs;
  const localMidnight = Math.floor(localNow / DAY_MS) * DAY_MS;
  const startMs = minutesOf(w.hours.slice(0, 5)) * 60_000;
  // A week ahead covers every weekday once more; today's opening counts only if still ahead.
  for (let day = 0; day <= 7; day += 1) {
    const candidate = new Date(localMidnight + day * DAY_MS + startMs - offsetMs);
    if (candidate.getTime() > at.getTime() && insideSendingWindow(candidate, w)) return candidate;
  }
  return null;
}
