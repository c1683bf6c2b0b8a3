import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBackend } from '@core/backend';
import { startHttpBridge } from '@core/bridge/http-bridge';

export type BackendHarness = Readonly<{
  /** http://127.0.0.1:PORT — the UI and the API on one origin. */
  url: string;
  /**
   * A fresh one-time sign-in link on each read (valid a minute): opening it sets the session cookie
   * and leaves the session key in the page's sessionStorage.
   */
  readonly loginUrl: string;
  dataDir: string;
  close: () => Promise<void>;
}>;

/** The real backend on a temp data dir behind the loopback HTTP bridge, serving the built renderer. */
export async function startBackendHarness(staticDir: string): Promise<BackendHarness> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-data-'));
  const backend = await createBackend({ dataDir });
  const bridge = await startHttpBridge({ backend, port: 0, staticDir });
  return {
    url: bridge.url,
    get loginUrl() {
      return bridge.loginUrl;
    },
    dataDir,
    close: async () => {
      await bridge.close();
      await backend.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
