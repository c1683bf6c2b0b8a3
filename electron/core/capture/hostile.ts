import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { TargetType } from 'puppeteer-core';
import type { Browser, BrowserContext, CDPSession, Dialog, Page, Target } from 'puppeteer-core';

export type DialogRecord = Readonly<{
  at: string;
  type: string;
  message: string;
  defaultValue: string;
  /** What was done: every dialog is dismissed, except beforeunload which is let through to leave. */
  action: 'dismissed' | 'left-page';
}>;

export type PopupRecord = Readonly<{
  at: string;
  url: string;
  userGesture: boolean;
  /** `blocked`: Chromium's popup blocker refused it; `closed`: it opened and was closed at once. */
  action: 'blocked' | 'closed';
}>;

export type DownloadRecord = Readonly<{
  at: string;
  url: string;
  suggestedFilename: string;
  frameId: string;
  /** Filled in when the body arrived (in quarantine) before the capture ended. */
  bytes?: number;
  sha256?: string;
  state: 'completed' | 'cancelled' | 'unfinished';
}>;

export type HostileGuard = {
  readonly dialogs: readonly DialogRecord[];
  readonly popups: PopupRecord[];
  readonly downloads: readonly DownloadRecord[];
  stop(): Promise<void>;
};

const browserSessions = new WeakMap<Browser, Promise<CDPSession>>();

/**
 * One browser-level session per browser, shared by concurrent captures (each filters the events
 * by its own context and frames). `browser.target()` can miss the browser target while targets
 * come and go under load, so it is awaited instead.
 */
function browserLevelSession(browser: Browser): Promise<CDPSession> {
  let session = browserSessions.get(browser);
  if (!session) {
    session = browser
      .waitForTarget((t) => t.type() === TargetType.BROWSER, { timeout: 10_000 })
      .then((t) => t.createCDPSession());
    session.catch(() => browserSessions.delete(browser));
    browserSessions.set(browser, session);
  }
  return session;
}

/**
 * Makes a hostile page end well (must be in place before `goto`: a pending alert() blocks
 * navigation and screenshots). Dialogs are answered, popups refused, downloads never reach the
 * operator: Chromium's `deny` drops the bytes before anyone sees them, so instead they go to a
 * quarantine directory, are measured and hashed, and deleted. Each is recorded so that the
 * capture says what the page tried.
 */
export async function guardPage(opts: {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  session: CDPSession;
  clock: () => Date;
  /**
   * An empty directory outside the evidence: Chromium puts a download's bytes there (named by
   * guid, never opened) only so they can be measured and hashed; it is deleted in `stop()`.
   */
  quarantineDir: string;
}): Promise<HostileGuard> {
  const { page, context, clock } = opts;
  const dialogs: DialogRecord[] = [];
  const popups: PopupRecord[] = [];
  const downloads: { record: DownloadRecord; guid: string }[] = [];
  const pending: Promise<unknown>[] = [];

  const onDialog = (dialog: Dialog): void => {
    const type = dialog.type();
    const leave = type === 'beforeunload';
    dialogs.push({
      at: clock().toISOString(),
      type,
      message: dialog.message(),
      defaultValue: dialog.defaultValue(),
      action: leave ? 'left-page' : 'dismissed',
    });
    pending.push((leave ? dialog.accept() : dialog.dismiss()).catch(() => undefined));
  };
  page.on('dialog', onDialog);

  // Fired for every window.open/target=_blank, including those the popup blocker refuses.
  const onWindowOpen = (e: { url: string; userGesture: boolean }): void => {
    popups.push({ at: clock().toISOString(), url: e.url, userGesture: e.userGesture, action: 'blocked' });
  };
  opts.session.on('Page.windowOpen', onWindowOpen);

  const pageTarget = page.target();
  const onTarget = (target: Target): void => {
    if (target.type() !== TargetType.PAGE || target.opener() !== pageTarget) return;
    const url = target.url();
    const seen = popups.findLast((p) => p.action === 'blocked' && (p.url === url || url === 'about:blank'));
    const record: PopupRecord = {
      at: clock().toISOString(),
      url: seen?.url ?? url,
      userGesture: seen?.userGesture ?? false,
      action: 'closed',
    };
    if (seen) popups.splice(popups.indexOf(seen), 1, record);
    else popups.push(record);
    pending.push(
      target
        .page()
        .then((p) => p?.close())
        .catch(() => undefined),
    );
  };
  context.on('targetcreated', onTarget);

  // Page.enable (for the windowOpen events) and the browser-level session are independent.
  const [browserSession] = await Promise.all([
    browserLevelSession(opts.browser),
    opts.session.send('Page.enable'),
  ]);
  const onDownload = (e: { guid: string; frameId: string; url: string; suggestedFilename: string }): void => {
    downloads.push({
      guid: e.guid,
      record: {
        at: clock().toISOString(),
        url: e.url,
        suggestedFilename: e.suggestedFilename,
        frameId: e.frameId,
        state: 'unfinished',
      },
    });
  };
  const onProgress = (e: { guid: string; state: string }): void => {
    const entry = downloads.find((d) => d.guid === e.guid);
    if (!entry) return;
    if (e.state === 'canceled') entry.record = { ...entry.record, state: 'cancelled' };
    if (e.state !== 'completed') return;
    pending.push(
      readFile(path.join(opts.quarantineDir, e.guid))
        .then((body) => {
          entry.record = {
            ...entry.record,
            state: 'completed',
            bytes: body.length,
            sha256: createHash('sha256').update(body).digest('hex'),
          };
        })
        .catch(() => undefined),
    );
  };
  browserSession.on('Browser.downloadWillBegin', onDownload);
  browserSession.on('Browser.downloadProgress', onProgress);
  await browserSession.send('Browser.setDownloadBehavior', {
    behavior: 'allowAndName',
    downloadPath: opts.quarantineDir,
    ...(context.id ? { browserContextId: context.id } : {}),
    eventsEnabled: true,
  });

  return {
    dialogs,
    popups,
    get downloads() {
      return downloads.map((d) => d.record);
    },
    async stop() {
      page.off('dialog', onDialog);
      opts.session.off('Page.windowOpen', onWindowOpen);
      context.off('targetcreated', onTarget);
      for (const d of downloads) {
        if (d.record.state !== 'unfinished') continue;
        await browserSession
          .send('Browser.cancelDownload', {
            guid: d.guid,
            ...(context.id ? { browserContextId: context.id } : {}),
          })
          .catch(() => undefined);
      }
      browserSession.off('Browser.downloadWillBegin', onDownload);
      browserSession.off('Browser.downloadProgress', onProgress);
      await Promise.all(pending);
      await rm(opts.quarantineDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
