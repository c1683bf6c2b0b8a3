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
  /** Filled in from the network record when the body was seen before the download was denied. */
  bytes?: number;
  sha256?: string;
}>;

export type HostileGuard = {
  readonly dialogs: readonly DialogRecord[];
  readonly popups: PopupRecord[];
  readonly downloads: DownloadRecord[];
  stop(): Promise<void>;
};

/**
 * Makes a hostile page end well (must be in place before `goto`: a pending alert() blocks
 * navigation and screenshots). Dialogs are answered, popups refused, downloads denied; each is
 * recorded so that the capture says what the page tried.
 */
export async function guardPage(opts: {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  session: CDPSession;
  clock: () => Date;
}): Promise<HostileGuard> {
  const { page, context, clock } = opts;
  const dialogs: DialogRecord[] = [];
  const popups: PopupRecord[] = [];
  const downloads: DownloadRecord[] = [];
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
  await opts.session.send('Page.enable');

  const pageTarget = page.target();
  const onTarget = (target: Target): void => {
    if (target.type() !== 'page' || target.opener() !== pageTarget) return;
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

  const browserSession = await opts.browser.target().createCDPSession();
  const onDownload = (e: { frameId: string; url: string; suggestedFilename: string }): void => {
    downloads.push({
      at: clock().toISOString(),
      url: e.url,
      suggestedFilename: e.suggestedFilename,
      frameId: e.frameId,
    });
  };
  browserSession.on('Browser.downloadWillBegin', onDownload);
  await browserSession.send('Browser.setDownloadBehavior', {
    behavior: 'deny',
    ...(context.id ? { browserContextId: context.id } : {}),
    eventsEnabled: true,
  });

  return {
    dialogs,
    popups,
    downloads,
    async stop() {
      page.off('dialog', onDialog);
      opts.session.off('Page.windowOpen', onWindowOpen);
      context.off('targetcreated', onTarget);
      browserSession.off('Browser.downloadWillBegin', onDownload);
      await Promise.all(pending);
      await browserSession.detach().catch(() => undefined);
    },
  };
}
