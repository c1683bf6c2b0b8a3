import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { nextDelay, type Timers } from '@core/custody/time-keeper';
import { listHeadTimestamps } from '@core/db/repositories/time-stamps-repo';
import { chooseTsa } from '@core/settings/tsa-settings';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';

type Due = { fn: () => void; ms: number; cleared: boolean };

/** Timers the test fires by hand: each scheduled round is recorded with its delay. */
function manualTimers() {
  const due: Due[] = [];
  let waiting: ((t: Due) => void) | null = null;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      due.push(t);
      waiting?.(t);
      waiting = null;
      return t;
    },
    clearTimeout: (handle) => {
      (handle as { cleared: boolean }).cleared = true;
    },
  };
  /** Resolves with the next timer the schedule sets (the event, not a poll). */
  const nextScheduled = (): Promise<Due> =>
    new Promise((resolve) => {
      waiting = resolve;
    });
  return { timers, due, nextScheduled };
}

let dir: { path: string; remove: () => void };
let up: TsaServer;
let down: TsaServer;

beforeAll(async () => {
  dir = tempDir('vigil-time-keeper-');
  [up, down] = await Promise.all([startTsaServer(), startTsaServer({ mode: 'http-error' })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([up?.close(), down?.close()]);
  dir?.remove();
});

describe('the automatic schedule', () => {
  it('backs off exponentially up to a cap, and goes back to the idle interval after a success', () => {
    const o = { baseDelayMs: 1000, maxDelayMs: 8000, idleDelayMs: 60_000 };
    expect([0, 1, 2, 3, 4, 5, 60].map((f) => nextDelay(f, o))).toEqual([
      60_000, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it('retries on its own while running: a TSA that is down is asked again later and later, then recovers', async () => {
    const { timers, due, nextScheduled } = manualTimers();
    const backend: Backend = await createBackend({
      dataDir: join(dir.path, 'a'),
      time: { timers, baseDelayMs: 1000, maxDelayMs: 4000, idleDelayMs: 60_000, requestTimeoutMs: 5000 },
    });
    try {
      await chooseTsa(
        backend.settings,
        { kind: 'authority', url: down.url, caPem: down.caCertPem, qualified: false, policyOid: null },
        'test',
      );
      backend.time.start();
      // Fires the newest timer and waits until the round it started has scheduled the next one.
      const fire = async (): Promise<number> => {
        const t = due.at(-1);
        if (t === undefined || t.cleared) throw new Error('nothing scheduled');
        const next = nextScheduled();
        t.fn();
        return (await next).ms;
      };
      expect(due.map((t) => t.ms)).toEqual([0]);
      const delays: number[] = [];
      for (let i = 0; i < 4; i += 1) delays.push(await fire());
      expect(delays).toEqual([1000, 2000, 4000, 4000]);
      expect(down.requests()).toBe(4);
      await chooseTsa(
        backend.settings,
        { kind: 'authority', url: up.url, caPem: up.caCertPem, qualified: false, policyOid: null },
        'test',
      );
      expect(await fire()).toBe(60_000);
      const heads = await backend.workspace.db.read((c) => listHeadTimestamps(c));
      expect(heads.map((h) => h.reason)).toEqual(['daily']);
      // Stopping cancels the next round: nothing is left scheduled.
      await backend.time.stop();
      expect(due.at(-1)?.cleared).toBe(true);
    } finally {
      await backend.close();
    }
  }, 60_000);
});
