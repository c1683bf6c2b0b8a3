import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  screen,
  session as electronSession,
  shell,
} from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Envelope } from '@shared/contract/envelope';
import { APP_NAME, APP_VERSION, createBackend, type Backend } from '../core/backend';
import { defaultDataDir } from '../core/data-dir';
import { createArtifactAccess, type ArtifactAccess } from '../core/media/artifact-access';
import type { Session } from '../core/rpc/dispatch';
import { serveAppRequest } from './app-protocol';
import { isDesktopMethod, runDesktopMethod } from './desktop-methods';
import {
  remoteEvidenceDeps,
  serveEvidenceRequest,
  type EvidenceDeps,
  type KnownBlob,
} from './evidence-protocol';
import { openExternalLink } from './external-links';
import { safeStorageSealer } from './safe-storage-sealer';
import { menuTemplate } from './menu';
import { APP_ENTRY_URL, APP_SCHEME, EVENT_CHANNEL, EVIDENCE_SCHEME, INVOKE_CHANNEL } from './origins';
import { checkSender } from './sender-guard';
import { dataDirFromArgv, isAllowedRequestUrl } from './startup';
import { openTeamWindows, teamServerFromArgv, type TeamWindows } from './team-server';
import {
  denyDevicePermission,
  denyPermissionCheck,
  denyPermissionRequest,
  navigationVerdict,
  windowOpenVerdict,
} from './web-guards';
import {
  fitToDisplays,
  loadWindowState,
  MIN_HEIGHT,
  MIN_WIDTH,
  saveWindowState,
  stateOf,
} from './window-state';
import { errorMessage } from '@shared/errors/app-error';

/** `granted`: paths the desktop dialogs returned to this window; `gone`: aborts its calls when it closes. */
type AppWindow = Readonly<{
  win: BrowserWindow;
  session: Session;
  partition: string;
  granted: Set<string>;
  gone: AbortController;
}>;

const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
const preloadFile = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const dataDir = dataDirFromArgv(process.argv) ?? defaultDataDir(process.env);
// Chromium's profile (caches, local storage) stays apart from the evidence, and one data dir gets
// one running app: the single-instance lock lives in this folder.
const shellDir = join(dataDir, 'shell');
const windowStateFile = join(shellDir, 'window-state.json');

/** By webContents id: the windows we created, each with its own sign-in state (DESIGN §2.1). */
const windows = new Map<number, AppWindow>();
// With `--server URL`, every window's calls go to that team server (its own session per window).
const teamServer = teamServerFromArgv(process.argv);
const teamWindows = teamServer === null ? null : openTeamWindows(teamServer);
/** Each window has its own Electron session (partition), so evidence:// knows which window asks. */
const sessionByPartition = new Map<string, Session>();
const configuredPartitions = new Set<string>();
const pendingWrites = new Set<Promise<void>>();
let backend: Backend | null = null;
let artifacts: ArtifactAccess | null = null;
let confirmOpen = false;

const forbidden = (message: string): Envelope<unknown> => ({
  ok: false,
  error: { code: 'auth.forbidden', message },
});

protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
  },
  // corsEnabled: the UI reads text artifacts with fetch() from app://vigil.
  {
    scheme: EVIDENCE_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true },
  },
]);
app.enableSandbox();
app.setPath('userData', shellDir);

function track(write: Promise<void>): void {
  const done = write.catch(() => undefined).finally(() => pendingWrites.delete(done));
  pendingWrites.add(done);
}

/** The same session check and sensitive-media rule as the loopback bridge (core/media/artifact-access.ts). */
async function lookupBlob(partition: string, sha256: string, reveal: boolean): Promise<KnownBlob | null> {
  const session = sessionByPartition.get(partition);
  if (artifacts === null || session === undefined) return null;
  return artifacts.resolve(session, sha256, reveal);
}

async function confirmExternal(parent: BrowserWindow | null, url: string): Promise<void> {
  // One question at a time: a page cannot bury the user under dialogs.
  if (confirmOpen) return;
  confirmOpen = true;
  try {
    await openExternalLink(url, {
      confirm: async (checked) => {
        const options = {
          type: 'question' as const,
          buttons: ['Cancel', 'Open in browser'],
          defaultId: 0,
          cancelId: 0,
          noLink: true,
          message: 'Open this link in your web browser?',
          detail: checked,
        };
        const answer =
          parent === null
            ? await dialog.showMessageBox(options)
            : await dialog.showMessageBox(parent, options);
        return answer.response === 1;
      },
      open: (checked) => shell.openExternal(checked),
    });
  } finally {
    confirmOpen = false;
  }
}

function configurePartition(partition: string): void {
  if (configuredPartitions.has(partition)) return;
  configuredPartitions.add(partition);
  const ses = electronSession.fromPartition(partition);
  ses.setPermissionRequestHandler(denyPermissionRequest);
  ses.setPermissionCheckHandler(denyPermissionCheck);
  ses.setDevicePermissionHandler(denyDevicePermission);
  ses.on('will-download', (event) => event.preventDefault());
  // Defence in depth behind the CSP: an app window talks to nothing but its two schemes.
  ses.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: !isAllowedRequestUrl(details.url) }),
  );
  ses.protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererDir, request));
  ses.protocol.handle(EVIDENCE_SCHEME, (request) =>
    serveEvidenceRequest(
      request,
      teamWindows !== null
        ? remoteEvidenceOf(partition, teamWindows)
        : {
            signedIn: async () => {
              const session = sessionByPartition.get(partition);
              return session !== undefined && artifacts !== null && artifacts.signedIn(session, 'evidence');
            },
            lookup: (sha256, reveal) => lookupBlob(partition, sha256, reveal),
            open: (sha256) => {
              if (backend === null) throw new Error('the backend is closed');
              return backend.workspace.blobs.open(sha256);
            },
          },
    ),
  );
}

/** A team window's evidence comes from the server, in that window's own server session. */
function remoteEvidenceOf(partition: string, team: TeamWindows): EvidenceDeps {
  const windowId = (): number | null => {
    for (const [id, w] of windows) if (w.partition === partition) return id;
    return null;
  };
  return remoteEvidenceDeps({
    signedIn: () => {
      const id = windowId();
      return id !== null && team.signedIn(id);
    },
    artifact: async (sha256, reveal) => {
      const id = windowId();
      return id === null ? null : team.artifact(id, sha256, reveal);
    },
  });
}

function freePartition(): string {
  const used = new Set([...windows.values()].map((w) => w.partition));
  for (let slot = 1; ; slot += 1) {
    const name = `persist:window-${slot}`;
    if (!used.has(name)) return name;
  }
}

async function createWindow(): Promise<void> {
  const saved = await loadWindowState(windowStateFile);
  const state = fitToDisplays(
    saved,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const partition = freePartition();
  configurePartition(partition);
  const win = new BrowserWindow({
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: APP_NAME,
    webPreferences: {
      preload: preloadFile,
      partition,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      spellcheck: false,
      plugins: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      devTools: !app.isPackaged,
    },
  });
  const id = win.webContents.id;
  const session: Session = { user: null };
  const gone = new AbortController();
  windows.set(id, { win, session, partition, granted: new Set<string>(), gone });
  sessionByPartition.set(partition, session);
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () =>
    track(saveWindowState(windowStateFile, stateOf(win.getNormalBounds(), win.isMaximized()))),
  );
  win.webContents.once('destroyed', () => {
    gone.abort();
    windows.delete(id);
    teamWindows?.close(id);
    // Signing in again is required for a new window on this partition.
    if (sessionByPartition.get(partition) === session) sessionByPartition.delete(partition);
  });
  await win.loadURL(APP_ENTRY_URL);
}

function guardWebContents(contents: Electron.WebContents): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    const verdict = navigationVerdict(event.url, true);
    if (verdict.action === 'deny' && verdict.external !== null) {
      void confirmExternal(BrowserWindow.fromWebContents(contents), verdict.external);
    }
  });
  contents.on('will-frame-navigate', (event) => {
    // Main-frame navigations were refused (and offered outside) by will-navigate.
    if (navigationVerdict(event.url, event.isMainFrame).action === 'deny') event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (navigationVerdict(event.url, event.isMainFrame).action === 'deny') event.preventDefault();
  });
  contents.setWindowOpenHandler((details) => {
    const verdict = windowOpenVerdict(details.url);
    if (verdict.external !== null)
      void confirmExternal(BrowserWindow.fromWebContents(contents), verdict.external);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function registerIpc(live: Backend): void {
  ipcMain.handle(
    INVOKE_CHANNEL,
    async (event, method: unknown, input: unknown): Promise<Envelope<unknown>> => {
      const verdict = checkSender(event, new Set(windows.keys()));
      if (!verdict.ok) return forbidden(`IPC refused: ${verdict.reason}`);
      const entry = windows.get(verdict.webContentsId);
      if (entry === undefined) return forbidden('IPC refused: the window is closed');
      if (typeof method !== 'string' || method.length === 0 || method.length > 100) {
        return {
          ok: false,
          error: { code: 'rpc.invalid-input', message: 'method must be a string of 1–100 characters' },
        };
      }
      if (teamWindows !== null) {
        // Paths and dialogs are this machine's; a team server's files are the server's own.
        return teamWindows.invoke(verdict.webContentsId, method, input, (event) => {
          if (!entry.win.isDestroyed()) entry.win.webContents.send(EVENT_CHANNEL, event);
        });
      }
      if (isDesktopMethod(method)) {
        return runDesktopMethod(
          method,
          entry.session,
          {
            chooseExportFolder: async () => {
              const result = await dialog.showOpenDialog(entry.win, {
                title: 'Choose the folder for the court bundle',
                defaultPath: live.workspace.paths.exports,
                properties: ['openDirectory', 'createDirectory'],
              });
              return result.canceled ? null : (result.filePaths[0] ?? null);
            },
            chooseBundleFile: async () => {
              const result = await dialog.showOpenDialog(entry.win, {
                title: 'Choose a court bundle',
                properties: ['openFile'],
                filters: [{ name: 'Court bundle', extensions: ['zip'] }],
              });
              return result.canceled ? null : (result.filePaths[0] ?? null);
            },
          },
          entry.granted,
        );
      }
      return live.dispatch(entry.session, method, input, {
        signal: entry.gone.signal,
        grantedPaths: entry.granted,
      });
    },
  );
  live.events.subscribe((event) => {
    for (const { win, session } of windows.values()) {
      // Events describe evidence: only a signed-in window hears them.
      if (session.user !== null && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
    }
  });
}

function showAbout(): void {
  const parent = BrowserWindow.getFocusedWindow();
  const options = {
    type: 'info' as const,
    buttons: ['OK'],
    message: `${APP_NAME} ${APP_VERSION}`,
    detail: `Data folder: ${dataDir}\nElectron ${process.versions.electron ?? ''} · Chromium ${process.versions.chrome ?? ''} · Node ${process.versions.node}`,
  };
  void (parent === null ? dialog.showMessageBox(options) : dialog.showMessageBox(parent, options));
}

async function start(): Promise<void> {
  await app.whenReady();
  try {
    // The workstation key sits in the OS keystore when one protects it better than a 0600 file.
    const keySealer = safeStorageSealer(safeStorage, process.platform, (detail) => {
      void dialog.showMessageBox({
        type: 'info',
        buttons: ['OK'],
        message: 'Workstation key sealed',
        detail,
      });
    });
    backend = await createBackend({ dataDir, ...(keySealer ? { keySealer } : {}) });
    artifacts = createArtifactAccess(backend);
  } catch (error) {
    dialog.showErrorBox(
      `${APP_NAME} cannot start`,
      `The data folder ${dataDir} could not be opened:\n${errorMessage(error)}`,
    );
    app.exit(3);
    return;
  }
  registerIpc(backend);
  // While the app runs, pending time-stamps are retried and the custody log's head stamped daily.
  backend.time.start();
  // Indicators read by an older extractor or lexicon version are extracted again, in the background.
  void backend.keepIndicatorsCurrent();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        platform: process.platform,
        appName: APP_NAME,
        devTools: !app.isPackaged,
        onAbout: showAbout,
      }),
    ),
  );
  await createWindow();
  app.on('activate', () => {
    if (windows.size === 0) void createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns this data dir; it is told (second-instance) and shows its window.
  app.quit();
} else {
  app.on('second-instance', () => {
    const first = [...windows.values()][0]?.win;
    if (first === undefined) return void createWindow();
    if (first.isMinimized()) first.restore();
    first.focus();
  });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closed = false;
  let closing = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    // The database and the audit head are closed cleanly before the process goes away.
    void (async () => {
      await Promise.all([...pendingWrites]);
      const live = backend;
      backend = null;
      artifacts = null;
      await live?.close().catch(() => undefined);
    })().finally(() => {
      closed = true;
      app.quit();
    });
  });
  start().catch((error: unknown) => {
    dialog.showErrorBox(
      `${APP_NAME} failed`,
      error instanceof Error ? (error.stack ?? error.message) : String(error),
    );
    app.exit(4);
  });
}
