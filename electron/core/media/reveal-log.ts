import { randomBytes } from 'node:crypto';
import { AppError } from '@shared/errors/app-error';
import type { User } from '@shared/domain/users';
import {
  exposureByUserDay,
  insertReveal,
  insertRevealEnd,
  openReveal,
  openRevealsOf,
  type ExposureDay,
  type RevealEndHow,
} from '../db/repositories/wellbeing-repo';
import type { Workspace } from '../workspace';

/**
 * Invariant: every reveal of a blurred image is one start row and at most one end row (both
 * append-only, each with its custody event), and the duration is always the backend clock's
 * end minus start — never a number the client sends. A reveal that never ended (the window was
 * closed, the process stopped) is ended at the user's next sign-in and counted as at most
 * `UNENDED_REVEAL_CAP_MS`, because how long the image really stayed on screen is unknown.
 */
export const UNENDED_REVEAL_CAP_MS = 10 * 60_000;

/** The UTC calendar day of an instant: exposure is summed per user per such day (of the reveal's start). */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

export type RevealLog = Readonly<{
  /** Starts a reveal (custody `media.revealed`); returns its id, which the viewer hands back to end it. */
  start: (
    user: User,
    resourceId: string,
    sha256: string,
    details: Readonly<Record<string, unknown>>,
  ) => Promise<string>;
  /** Ends one of the user's own open reveals (custody `media.reveal-ended` with `durationMs`). */
  end: (user: User, revealId: string, how: Exclude<RevealEndHow, 'next-sign-in'>) => Promise<number>;
  /**
   * Ends every reveal the user left open: at sign-out (`left`: the screen went away now) or at
   * the next sign-in (`next-sign-in`: the end is unknown, so capped). Returns how many.
   */
  endLeftOpen: (user: User, how: 'left' | 'next-sign-in') => Promise<number>;
  /** The user's exposure on the current UTC day. */
  today: (user: User) => Promise<ExposureDay>;
  /** Exposure per user per day, since `sinceDay` (inclusive), newest first. */
  perUserDay: (sinceDay: string) => Promise<ExposureDay[]>;
}>;

export function createRevealLog(ws: Workspace): RevealLog {
  const finish = async (
    user: User,
    reveal: Readonly<{ id: string; resourceId: string; sha256: string; startedAt: string }>,
    how: RevealEndHow,
  ): Promise<number> => {
    const now = ws.clock();
    const elapsed = Math.max(0, now.getTime() - Date.parse(reveal.startedAt));
    const durationMs = how === 'next-sign-in' ? Math.min(elapsed, UNENDED_REVEAL_CAP_MS) : elapsed;
    await ws.record(async (tx, audit) => {
      await insertRevealEnd(tx, { revealId: reveal.id, endedAt: now.toISOString(), durationMs, how });
      await audit({
        actor: user.name,
        action: 'media.reveal-ended',
        subject: `resource:${reveal.resourceId}`,
        details: { revealId: reveal.id, sha256: reveal.sha256, durationMs, how },
      });
    });
    return durationMs;
  };

  return {
    start: async (user, resourceId, sha256, details) => {
      const id = `rvl_${randomBytes(12).toString('hex')}`;
      const now = ws.clock();
      await ws.record(async (tx, audit) => {
        await insertReveal(tx, {
          id,
          userId: user.id,
          resourceId,
          sha256,
          startedAt: now.toISOString(),
          day: utcDay(now),
        });
        await audit({
          actor: user.name,
          action: 'media.revealed',
          subject: `resource:${resourceId}`,
          details: { ...details, sha256, revealId: id },
        });
      });
      return id;
    },
    end: async (user, revealId, how) => {
      const reveal = await ws.db.read((c) => openReveal(c, revealId));
      if (reveal === null || reveal.userId !== user.id)
        throw new AppError('evidence.not-found', `no open reveal ${revealId} of yours`);
      return finish(user, reveal, how);
    },
    endLeftOpen: async (user, how) => {
      const open = await ws.db.read((c) => openRevealsOf(c, user.id));
      for (const reveal of open) await finish(user, reveal, how);
      return open.length;
    },
    today: async (user) => {
      const day = utcDay(ws.clock());
      const [row] = await ws.db.read((c) => exposureByUserDay(c, { userId: user.id, day }));
      return row ?? { userName: user.name, day, reveals: 0, revealedMs: 0, open: 0 };
    },
    perUserDay: (sinceDay) => ws.db.read((c) => exposureByUserDay(c, { sinceDay })),
  };
}

// One log per open workspace, so handlers built separately share it (it holds no state of its own).
const logs = new WeakMap<Workspace, RevealLog>();
export function revealLogOf(ws: Workspace): RevealLog {
  let log = logs.get(ws);
  if (log === undefined) {
    log = createRevealLog(ws);
    logs.set(ws, log);
  }
  return log;
}
