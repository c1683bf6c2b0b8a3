import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CDPSession, Page } from 'puppeteer-core';
import type { CaptureRun, LivePage } from './capture-run';
import { CancelledError, bounded } from './deadline';
import { pageWatchScript } from './page-watch-script';
import type { HopVia } from './raw-capture';

/** Timers up to this long may still change the page before it is looked at (a feed's next batch). */
const SHORT_TIMER_MS = 600;

const navSchema = z.object({ dueInMs: z.number(), via: z.enum(['form', 'meta-refresh', 'script']) });

const lookSchema = z.object({
  height: z.number(),
  /** Elements the page has added since the document started. */
  added: z.number().int().nonnegative(),
  sinceMutationMs: z.number(),
  mutatedSinceLoad: z.boolean(),
  framed: z.boolean(),
  loaded: z.boolean(),
  /** Short timers still due (they may append more). */
  shortTimers: z.number().int().nonnegative(),
  /** A "loading…" sentinel in view (asked for at the bottom only: it walks the text). */
  busy: z.boolean(),
  /** The soonest navigation the page has scheduled within the bound, if any. */
  nav: navSchema.nullable(),
});

export type PageLook = Readonly<z.infer<typeof lookSchema>>;
export type ScheduledNavigation = Readonly<z.infer<typeof navSchema>>;

const growthSchema = lookSchema.extend({ grew: z.boolean(), timedOut: z.boolean() });
export type Growth = Readonly<z.infer<typeof growthSchema>>;

/**
 * The capture's view of the document and of the main frame's navigations. The document side is
 * the in-page script (page-watch-script.ts); the navigation side is CDP's Page domain, which says
 * why the renderer asked for each navigation (`Page.frameRequestedNavigation`).
 */
export type PageWatch = {
  /** The in-page state, or null while there is none (the document is being replaced). */
  look(withBusy?: boolean): Promise<PageLook | null>;
  /** Waits (bounded) until the document has rendered once after load and stopped mutating. */
  settleDocument(
    maxMs: number,
    quietMs: number,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<PageLook | null>;
  /** Waits (bounded) until the page grew past `from` or has nothing pending that could grow it. */
  growth(
    from: number,
    maxMs: number,
    quietMs: number,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<Growth | null>;
  /** Main-frame load events so far. */
  loads(): number;
  /** Main-frame navigations the renderer asked for so far. */
  requested(): number;
  /** Resolves true once more than `after` main-frame loads have happened, false at `deadline`. */
  waitForLoad(after: number, deadline: number, signal?: AbortSignal): Promise<boolean>;
  /** How each client-side hop the page made was triggered, by the URL it asked for. */
  readonly vias: ReadonlyMap<string, HopVia>;
  /**
   * The in-page API as an expression (`undefined` while the document is being replaced), so that
   * the scroll step can ask it in the same evaluate instead of a round trip of its own.
   */
  readonly inPage: string;
  /** Parses a growth answer obtained through `inPage`, as `growth` does (null if it is not one). */
  growthOf(raw: unknown): Growth | null;
  /**
   * The look the last growth check took, once, if nothing has loaded or been asked to load since
   * and it is at most a few milliseconds old: the state the next look would read. Saves a page
   * with nothing pending a round trip after its scroll-through.
   */
  recentLook(): PageLook | null;
  /**
   * True when the last growth check (the end of the scroll-through) found the page still: it did
   * not grow, nothing mutated since load, no short timer or idle callback was due, no "loading…"
   * sentinel showed and no navigation was scheduled; and the page has not loaded or been asked
   * to load since. Unlike `recentLook` it is not used up by asking.
   */
  stillAfterScroll(): boolean;
};

/** How old a growth check's look may be to stand in for a new look. */
const RECENT_LOOK_MS = 30;

const watches = new WeakMap<CaptureRun, PageWatch>();

export function pageWatchOf(run: CaptureRun): PageWatch | null {
  return watches.get(run) ?? null;
}

type NavigationEvents = {
  loads: number;
  requested: number;
  waiters: Set<() => void>;
  vias: Map<string, HopVia>;
};

/**
 * What the renderer's reason for a navigation says about the hop. Chromium names a navigation
 * `scriptInitiated` whatever ran the script (a timer the watch saw scheduled, a load handler, an
 * inline script), so every such hop is `script`.
 */
function viaOf(reason: string): HopVia | null {
  if (reason === 'formSubmissionGet' || reason === 'formSubmissionPost') return 'form';
  if (reason === 'metaTagRefresh' || reason === 'httpHeaderRefresh') return 'meta-refresh';
  if (reason === 'scriptInitiated') return 'script';
  return null;
}

function listen(session: CDPSession, mainFrameId: string, ev: NavigationEvents): void {
  const wake = (): void => {
    for (const w of ev.waiters) w();
  };
  session.on('Page.frameRequestedNavigation', (e) => {
    if (e.frameId !== mainFrameId || e.disposition !== 'currentTab') return;
    ev.requested += 1;
    const via = viaOf(e.reason);
    if (via) ev.vias.set(e.url, via);
    wake();
  });
  session.on('Page.loadEventFired', () => {
    ev.loads += 1;
    wake();
  });
}

/**
 * Installs the watch before the navigation (navigate stage): one script for every new document
 * and the Page domain's navigation events on the capture's own session.
 */
export async function installPageWatch(run: CaptureRun, live: LivePage): Promise<PageWatch> {
  const { page, session } = live;
  const key = `__v${randomBytes(8).toString('hex')}`;
  const ev: NavigationEvents = {
    loads: 0,
    requested: 0,
    waiters: new Set(),
    vias: new Map(),
  };
  const [, tree] = await Promise.all([
    session.send('Page.enable'),
    session.send('Page.getFrameTree'),
    session.send('Page.addScriptToEvaluateOnNewDocument', {
      source: pageWatchScript(key, run.opts.profile.scheduledNavigationMs, SHORT_TIMER_MS),
    }),
  ]);
  listen(session, tree.frameTree.frame.id, ev);
  const watch = createWatch(page, key, ev);
  watches.set(run, watch);
  return watch;
}

function createWatch(page: Page, key: string, ev: NavigationEvents): PageWatch {
  const call = async <T>(
    expr: string,
    schema: z.ZodType<T>,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<T | null> => {
    try {
      const raw: unknown = await bounded(page.evaluate(expr), deadline, 'page watch', signal);
      const parsed = schema.safeParse(raw);
      return parsed.success ? parsed.data : null;
    } catch (error) {
      // A document being replaced has no state to read: the caller looks again after the load.
      if (error instanceof CancelledError) throw error;
      return null;
    }
  };
  const api = `window[${JSON.stringify(key)}]`;
  let recent: { look: PageLook; at: number; loads: number; requested: number } | null = null;
  let last: { growth: Growth; loads: number; requested: number } | null = null;
  const keep = (growth: Growth | null): Growth | null => {
    recent = growth ? { look: growth, at: Date.now(), loads: ev.loads, requested: ev.requested } : null;
    last = growth ? { growth, loads: ev.loads, requested: ev.requested } : null;
    return growth;
  };
  const growthOf = (raw: unknown): Growth | null => {
    const parsed = growthSchema.safeParse(raw);
    return keep(parsed.success ? parsed.data : null);
  };
  return {
    look: (withBusy = false) =>
      call(`${api} ? ${api}.look(${withBusy}) : null`, lookSchema, Date.now() + 5_000),
    settleDocument: (maxMs, quietMs, deadline, signal) =>
      call(`${api} ? ${api}.settle(${maxMs}, ${quietMs}) : null`, lookSchema, deadline, signal),
    growth: async (from, maxMs, quietMs, deadline, signal) =>
      keep(
        await call(
          `${api} ? ${api}.growth(${from}, ${maxMs}, ${quietMs}) : null`,
          growthSchema,
          deadline,
          signal,
        ),
      ),
    loads: () => ev.loads,
    requested: () => ev.requested,
    waitForLoad: (after, deadline, signal) =>
      new Promise<boolean>((resolve) => {
        const done = (value: boolean): void => {
          ev.waiters.delete(check);
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          resolve(value);
        };
        const check = (): void => {
          if (ev.loads > after) done(true);
        };
        const abort = (): void => done(false);
        const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
        ev.waiters.add(check);
        signal?.addEventListener('abort', abort, { once: true });
        if (signal?.aborted) done(false);
        check();
      }),
    vias: ev.vias,
    inPage: api,
    growthOf,
    recentLook: () => {
      const r = recent;
      recent = null;
      if (!r || r.loads !== ev.loads || r.requested !== ev.requested) return null;
      return Date.now() - r.at <= RECENT_LOOK_MS ? r.look : null;
    },
    stillAfterScroll: () => {
      if (!last || last.loads !== ev.loads || last.requested !== ev.requested) return false;
      const g = last.growth;
      return (
        !g.grew && !g.timedOut && !g.mutatedSinceLoad && g.shortTimers === 0 && !g.busy && g.nav === null
      );
    },
  };
}
