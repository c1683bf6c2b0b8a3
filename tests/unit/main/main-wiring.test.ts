import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The Electron binary can't run here, so the main process runs against a stand-in for the parts of
// the `electron` module it touches; the backend behind it is the real one on a temp data dir.
type Listener = (...args: unknown[]) => unknown;
type Handler = (request: { url: string; method: string }) => Promise<Response>;

const fake = vi.hoisted(() => {
  const deferred = () => {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };
  const state = {
    ipc: new Map<string, Listener>(),
    protocols: new Map<string, Handler>(),
    appEvents: new Map<string, Listener>(),
    schemes: [] as unknown[],
    windows: [] as FakeWindow[],
    sent: [] as { id: number; channel: string; event: unknown }[],
    errors: [] as string[],
    loaded: deferred(),
    quit: deferred(),
    sandboxed: false,
  };
  let nextId = 1;
  class FakeWindow {
    readonly opts: { webPreferences: Record<string, unknown> };
    readonly webContents: { id: number; send: (channel: string, event: unknown) => void; once: () => void };
    constructor(opts: { webPreferences: Record<string, unknown> }) {
      this.opts = opts;
      const id = nextId++;
      this.webContents = {
        id,
        send: (channel, event) => state.sent.push({ id, channel, event }),
        once: () => undefined,
      };
      state.windows.push(this);
    }
    maximize(): void {}
    once(): void {}
    on(): void {}
    isDestroyed(): boolean {
      return false;
    }
    loadURL(url: string): Promise<void> {
      (this as unknown as { url: string }).url = url;
      state.loaded.resolve();
      return Promise.resolve();
    }
    static fromWebContents(): null {
      return null;
    }
    static getFocusedWindow(): null {
      return null;
    }
  }
  const electron = {
    app: {
      enableSandbox: () => void (state.sandboxed = true),
      setPath: () => undefined,
      requestSingleInstanceLock: () => true,
      on: (name: string, fn: Listener) => void state.appEvents.set(name, fn),
      whenReady: () => Promise.resolve(),
      isPackaged: true,
      quit: () => state.quit.resolve(),
      exit: () => state.quit.resolve(),
    },
    protocol: { registerSchemesAsPrivileged: (list: unknown[]) => void state.schemes.push(...list) },
    session: {
      fromPartition: (partition: string) => ({
        setPermissionRequestHandler: () => undefined,
        setPermissionCheckHandler: () => undefined,
        setDevicePermissionHandler: () => undefined,
        on: () => undefined,
        webRequest: { onBeforeRequest: () => undefined },
        protocol: {
          handle: (scheme: string, fn: Handler) => void state.protocols.set(`${partition} ${scheme}`, fn),
        },
      }),
    },
    ipcMain: { handle: (channel: string, fn: Listener) => void state.ipc.set(channel, fn) },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    Menu: { setApplicationMenu: () => undefined, buildFromTemplate: (t: unknown) => t },
    dialog: {
      showErrorBox: (_title: string, message: string) => void state.errors.push(message),
      showMessageBox: () => Promise.resolve({ response: 0 }),
      showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }),
    },
    shell: { openExternal: () => Promise.resolve() },
    // No OS keystore here: the app keeps the 0600 host key.
    safeStorage: {
      isEncryptionAvailable: () => false,
      encryptString: (s: string) => Buffer.from(s),
      decryptString: (b: Buffer) => b.toString(),
    },
    BrowserWindow: FakeWindow,
  };
  return { state, electron, FakeWindow };
});

vi.mock('electron', () => fake.electron);

let dataDir: string;
const previousData = process.env.VIGIL_DATA;
const SHA = 'e'.repeat(64);

const invoke = (senderId: number, url: string, method: unknown, input: unknown = {}) =>
  fake.state.ipc.get('vigil:invoke')?.(
    { sender: { id: senderId }, senderFrame: { url, parent: null } },
    method,
    input,
  ) as Promise<{
    ok: boolean;
    value?: unknown;
    error?: { code: string };
  }>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vigil-main-'));
  process.env.VIGIL_DATA = dataDir;
  await import('@main/index');
  await fake.state.loaded.promise;
}, 60_000);

afterAll(async () => {
  // The quit path closes the backend before the app exits.
  const willQuit = fake.state.appEvents.get('will-quit');
  willQuit?.({ preventDefault: () => undefined });
  await fake.state.quit.promise;
  if (previousData === undefined) delete process.env.VIGIL_DATA;
  else process.env.VIGIL_DATA = previousData;
  await rm(dataDir, { recursive: true, force: true });
});

describe('main process wiring', () => {
  it('registers both schemes as privileged and sandboxes every renderer', () => {
    expect(fake.state.sandboxed).toBe(true);
    expect(fake.state.schemes).toEqual([
      expect.objectContaining({
        scheme: 'app',
        privileges: expect.objectContaining({ standard: true, secure: true }),
      }),
      expect.objectContaining({
        scheme: 'evidence',
        privileges: expect.objectContaining({ standard: true, secure: true }),
      }),
    ]);
    expect(fake.state.errors).toEqual([]);
  });

  it('opens the window locked down, on the app origin', () => {
    const win = fake.state.windows[0];
    expect(win?.opts.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false,
      plugins: false,
      devTools: false,
      partition: 'persist:window-1',
    });
    expect(String(win?.opts.webPreferences.preload)).toMatch(/preload[/\\]index\.cjs$/);
    expect((win as unknown as { url: string }).url).toBe('app://vigil/index.html');
  });

  it('answers our window through the backend and refuses foreign senders', async () => {
    const id = fake.state.windows[0]?.webContents.id ?? -1;
    await expect(invoke(id, 'app://vigil/index.html#/', 'session.status')).resolves.toMatchObject({
      ok: true,
      value: { initialized: false, user: null },
    });
    await expect(invoke(id, 'https://evil.example/', 'session.status')).resolves.toMatchObject({
      ok: false,
      error: { code: 'auth.forbidden' },
    });
    await expect(invoke(id + 100, 'app://vigil/index.html', 'session.status')).resolves.toMatchObject({
      ok: false,
      error: { code: 'auth.forbidden' },
    });
    await expect(invoke(id, 'app://vigil/index.html', 'x'.repeat(101))).resolves.toMatchObject({
      ok: false,
      error: { code: 'rpc.invalid-input' },
    });
  });

  it('serves evidence only after this window signed in, only for blobs the database knows, and sends it events', async () => {
    const id = fake.state.windows[0]?.webContents.id ?? -1;
    const evidence = fake.state.protocols.get('persist:window-1 evidence');
    expect(evidence).toBeDefined();
    expect((await evidence?.({ url: `evidence://blob/${SHA}`, method: 'GET' }))?.status).toBe(401);
    await expect(invoke(id, 'app://vigil/index.html', 'desktop.chooseBundleFile')).resolves.toMatchObject({
      ok: false,
      error: { code: 'auth.not-signed-in' },
    });

    const setup = await invoke(id, 'app://vigil/index.html', 'session.setupAdmin', {
      name: 'admin',
      password: 'correct horse battery staple 42',
    });
    expect(setup).toMatchObject({ ok: true, value: { name: 'admin', role: 'admin' } });
    expect((await evidence?.({ url: `evidence://blob/${SHA}`, method: 'GET' }))?.status).toBe(404);
    await expect(invoke(id, 'app://vigil/index.html', 'desktop.chooseBundleFile')).resolves.toEqual({
      ok: true,
      value: { path: null },
    });

    const before = fake.state.sent.length;
    await expect(invoke(id, 'app://vigil/index.html', 'audit.verify')).resolves.toMatchObject({ ok: true });
    const sent = fake.state.sent.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((s) => s.id === id && s.channel === 'vigil:event')).toBe(true);
    expect(sent.map((s) => (s.event as { name: string }).name)).toContain('audit.appended');

    await expect(invoke(id, 'app://vigil/index.html', 'session.signOut')).resolves.toMatchObject({
      ok: true,
    });
    expect((await evidence?.({ url: `evidence://blob/${SHA}`, method: 'GET' }))?.status).toBe(401);
  });

  it('serves the app origin with its CSP and refuses traversal', async () => {
    const app = fake.state.protocols.get('persist:window-1 app');
    const res = await app?.({ url: 'app://vigil/..%2f..%2fpackage.json', method: 'GET' });
    expect(res?.status).toBe(403);
    expect(res?.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
